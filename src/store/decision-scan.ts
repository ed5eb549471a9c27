import type { ChainRecord } from './chain-record.js';
import type { Db } from './open-database.js';

export interface ScanWindow {
  readonly fromSeq?: number;
  readonly since?: number;
  readonly until?: number;
  readonly batch?: number;
}

/** Consecutive records of a scan as ready JSON lines, and the chain ends a manifest names. */
export interface JsonlChunk {
  readonly records: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstHash: string;
  readonly lastHash: string;
  /** UTF-8 lines `{"seq":…,"prevHash":"…","hash":"…","record":<stored text>}\n`, in chain order. */
  readonly bytes: Buffer;
}

/** A ChainRecord as a row: seq, decision id, record, prev hash, hash. */
export type ChainTuple = [seq: number, decisionId: string, record: string, prevHash: string, hash: string];

/** What the hash chain checks of a record: seq, record, prev hash, hash (the decision id only when it fails). */
export type ChainLink = [seq: number, record: string, prevHash: string, hash: string];

/** Records for verify: their links in chain order, a batch at a time, and a record's id by seq. */
export interface ChainSource {
  links(): Iterable<readonly ChainLink[]>;
  decisionIdOf(seq: number): string;
}

// The rows of a chunk: the window, read along the primary key (never re-sorted) and filtered on `at`.
const RANGE = 'FROM decisions NOT INDEXED WHERE seq > ? AND seq <= ? AND at >= ? AND at <= ? ORDER BY seq LIMIT ?';
// Export lines per chunk: a couple of MB; larger chunks were slower (SQLite regrows the joined text).
const JSONL_BATCH = 2000;

/**
 * The log's records in chain order over a window (for verify and export). A time window is
 * turned into a sequence range through the time index first; rows are then read along the
 * primary key in batches, so a scan of millions of records stays linear.
 *
 * Iterated, it yields records (verify); batches() gives them as bare rows (CSV export). jsonl()
 * has SQLite build the JSON-lines export and join a chunk of lines into one buffer: no string per
 * record crosses into JavaScript, which is what bounded an export of millions of records. (The
 * columns are NOT NULL, which the line relies on: concat() renders a NULL as nothing.)
 */
export class DecisionScan implements Iterable<ChainRecord>, ChainSource {
  constructor(
    private readonly db: Db,
    private readonly window: ScanWindow = {},
  ) {}

  *[Symbol.iterator](): Iterator<ChainRecord> {
    const range = this.range();
    if (!range) return;
    const stmt = this.db.prepare(`SELECT seq, decision_id, record, prev_hash, hash ${RANGE}`).raw();
    for (let after = range.after; ; ) {
      const rows = stmt.all(after, range.end, range.since, range.until, range.batch) as ChainTuple[];
      if (rows.length === 0) return;
      for (const [seq, decisionId, record, prevHash, hash] of rows) yield { seq, decisionId, record, prevHash, hash };
      after = rows[rows.length - 1]![0];
    }
  }

  /**
   * The records `batch` at a time as bare rows: a CSV export of millions needs no object per
   * record. (The iterator repeats this loop rather than wrapping it: verify, which walks the
   * whole log, measured slower through two generators.)
   */
  *batches(): Generator<ChainTuple[]> {
    const range = this.range();
    if (!range) return;
    const stmt = this.db.prepare(`SELECT seq, decision_id, record, prev_hash, hash ${RANGE}`).raw();
    for (let after = range.after; ; ) {
      const rows = stmt.all(after, range.end, range.since, range.until, range.batch) as ChainTuple[];
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1]![0];
    }
  }

  /**
   * The records' chain links `batch` at a time, without the decision id (verify walks millions of
   * records and reads a row ~20% faster without it; decisionIdOf names a bad one).
   */
  *links(): Generator<ChainLink[]> {
    const range = this.range();
    if (!range) return;
    const stmt = this.db.prepare(`SELECT seq, record, prev_hash, hash ${RANGE}`).raw();
    for (let after = range.after; ; ) {
      const rows = stmt.all(after, range.end, range.since, range.until, range.batch) as ChainLink[];
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1]![0];
    }
  }

  decisionIdOf(seq: number): string {
    return (this.db.prepare('SELECT decision_id FROM decisions WHERE seq = ?').pluck().get(seq) as string | undefined) ?? '';
  }

  /** The records as export lines, in chunks (see JsonlChunk). */
  *jsonl(): Generator<JsonlChunk> {
    const range = this.range();
    if (!range) return;
    // group_concat() joins rows in the order they reach it, which SQLite calls arbitrary; its
    // ORDER BY argument pins the order but halves the speed (it sorts the lines again). The rows
    // do arrive in the subquery's seq order, and the list of their seqs, built in the same
    // aggregate step, proves it for each chunk; a chunk that is not in order is read again sorted.
    // concat() builds a line in one allocation (each || copies the line so far).
    const chunk = (sorted: boolean) =>
      this.db
        .prepare(
          `SELECT group_concat(seq${sorted ? ' ORDER BY seq' : ''}), CAST(group_concat(line, ''${sorted ? ' ORDER BY seq' : ''}) AS BLOB) FROM (
             SELECT seq, concat('{"seq":', seq, ',"prevHash":"', prev_hash, '","hash":"', hash, '","record":', record, '}', char(10)) AS line ${RANGE})`,
        )
        .raw();
    const fast = chunk(false);
    let sorted: ReturnType<typeof chunk> | undefined;
    const hashOf = this.db.prepare('SELECT hash FROM decisions WHERE seq = ?').pluck();
    const args = (after: number) => [after, range.end, range.since, range.until, JSONL_BATCH] as const;
    // One read transaction per chunk: its ends' hashes are those of the rows it concatenated.
    const read = this.db.transaction((after: number): JsonlChunk | null => {
      let [seqs, bytes] = fast.get(...args(after)) as [string | null, Buffer | null];
      if (seqs === null || bytes === null) return null;
      let order = ascending(seqs);
      if (!order) {
        [seqs, bytes] = (sorted ??= chunk(true)).get(...args(after)) as [string, Buffer];
        order = ascending(seqs)!;
      }
      return { ...order, firstHash: hashOf.get(order.firstSeq) as string, lastHash: hashOf.get(order.lastSeq) as string, bytes };
    });
    for (let after = range.after; ; ) {
      const c = read(after);
      if (!c) return;
      yield c;
      after = c.lastSeq;
    }
  }

  /** The window as a sequence range and time bounds (null: nothing can match). */
  private range(): { after: number; end: number; since: number; until: number; batch: number } | null {
    const w = this.window;
    let after = (w.fromSeq ?? 1) - 1;
    let end = Number.MAX_SAFE_INTEGER;
    if (w.since !== undefined) {
      // Named: otherwise the planner walks the table along seq until a row matches (most of a big log).
      const first = this.db.prepare('SELECT min(seq) FROM decisions INDEXED BY decisions_at WHERE at >= ?').pluck().get(w.since) as number | null;
      if (first === null) return null;
      after = Math.max(after, first - 1);
    }
    if (w.until !== undefined) {
      const last = this.db.prepare('SELECT max(seq) FROM decisions INDEXED BY decisions_at WHERE at <= ?').pluck().get(w.until) as number | null;
      if (last === null) return null;
      end = last;
    }
    return { after, end, since: w.since ?? 0, until: w.until ?? Number.MAX_SAFE_INTEGER, batch: w.batch ?? 5000 };
  }
}

/** A comma-separated list of seqs: its count and ends if strictly ascending, else null. */
function ascending(list: string): { records: number; firstSeq: number; lastSeq: number } | null {
  let records = 0;
  let firstSeq = 0;
  let prev = -1;
  let n = 0;
  for (let i = 0; i <= list.length; i++) {
    const c = i < list.length ? list.charCodeAt(i) : 44;
    if (c !== 44) n = n * 10 + (c - 48);
    else {
      if (n <= prev) return null;
      if (records++ === 0) firstSeq = n;
      prev = n;
      n = 0;
    }
  }
  return { records, firstSeq, lastSeq: prev };
}
