import type Database from 'better-sqlite3';
import type { DecisionLogRow } from './decision-log-row.js';
import type { Db } from './open-database.js';

/** Records per run: big enough that a run's sorted entries fill whole pages, small enough that the unindexed tail is a cheap scan. */
export const DEFAULT_RUN_ROWS = 4096;

/** The filters a search applies to the records themselves (the index narrows by subject or principal). */
export interface RecordFilter {
  /** SQL over the columns of `decisions` aliased `d`, e.g. "d.route = @route AND d.at >= @since" ('' for none). */
  readonly where: string;
  readonly params: Readonly<Record<string, unknown>>;
}

const COLUMNS = 'd.seq, d.decision_id AS decisionId, d.at, d.subject, d.principal_id AS principalId, d.route, d.decision, d.record, d.prev_hash AS prevHash, d.hash';
const TABLES = { subject: 'decision_run_subjects', principal: 'decision_run_principals' } as const;
const KEYS = { subject: 'subject', principal: 'principal_id' } as const;

/** A committed record as the index needs it. */
interface Entry {
  readonly seq: number;
  readonly subject: string;
  readonly principalId: string | null;
}

/** Unindexed records held in memory beyond this many runs' worth: drop them and read the backlog from the table instead. */
const MAX_PENDING_RUNS = 4;

/**
 * The decision log's lookups by subject and by principal, kept out of the append path. A B-tree
 * index on (subject, at) puts every new record on a random page: measured, the two such indexes
 * made a committed record cost ~85 µs instead of ~19 µs, and they capped durable logging.
 *
 * Instead, committed records are indexed in runs of `runRows` (by sequence number): each run's
 * entries are sorted and written under the run's number in one statement, so a run fills a few
 * fresh pages. A lookup probes each run (one index seek per run) and scans the tail not yet
 * indexed (fewer than `runRows` records). The writer hands over what it appended (`appended`), so
 * a run is built from memory; after a restart or an upgrade the backlog is read from the table.
 * Everything here is derived from `decisions`: losing it loses no record.
 */
export class DecisionLogIndex {
  private readonly stmts;
  /** The unindexed records in sequence order, starting right after indexedThrough() (null: not known; read from the table). */
  private pending: Entry[] | null = null;

  constructor(
    private readonly db: Db,
    private readonly runRows: number,
  ) {
    this.stmts = {
      lastRun: db.prepare('SELECT run, last_seq AS lastSeq FROM decision_runs ORDER BY run DESC LIMIT 1'),
      anchorSeq: db.prepare('SELECT seq FROM chain_anchor WHERE id = 1').pluck(),
      unindexed: db.prepare('SELECT seq, subject, principal_id AS principalId FROM decisions WHERE seq > ? ORDER BY seq LIMIT ?'),
      addRun: db.prepare('INSERT INTO decision_runs (run, first_seq, last_seq) VALUES (?, ?, ?)'),
      // One statement per run, sorted by SQLite: a prepared insert per row called from JS, and a JS
      // sort, were most of a run's time (a 4096-record run: ~17 ms that way, ~10 ms this way).
      addSubjects: db.prepare(`INSERT INTO decision_run_subjects (run, subject, seq) SELECT ?, value ->> 0, value ->> 1 FROM json_each(?) ORDER BY 2, 3`),
      addPrincipals: db.prepare(`INSERT INTO decision_run_principals (run, principal_id, seq) SELECT ?, value ->> 0, value ->> 1 FROM json_each(?) ORDER BY 2, 3`),
      runsAfter: db.prepare('SELECT run FROM decision_runs WHERE last_seq > ? ORDER BY run').pluck(),
      newestIndexed: db
        .prepare('SELECT principal_id, max(seq) FROM decision_run_principals WHERE principal_id IN (SELECT value FROM json_each(?)) GROUP BY principal_id')
        .raw(),
      atOf: db.prepare('SELECT at FROM decisions WHERE seq = ?').pluck(),
    };
  }

  /** The sequence number up to which every record is indexed (records up to the compaction anchor are gone). */
  indexedThrough(): number {
    const last = this.stmts.lastRun.get() as { run: number; lastSeq: number } | undefined;
    return Math.max(last?.lastSeq ?? 0, (this.stmts.anchorSeq.get() as number | undefined) ?? 0);
  }

  /** Records just committed (in sequence order), so the next run is built without reading them back. */
  appended(entries: readonly Entry[]): void {
    if (this.pending === null) return;
    for (const e of entries) this.pending.push(e);
    if (this.pending.length > MAX_PENDING_RUNS * this.runRows) this.pending = null;
  }

  /**
   * Indexes full runs of committed records, at most `maxRuns` (each in its own transaction); a
   * partial run waits for more records. Returns the number of runs written.
   */
  catchUp(maxRuns: number): number {
    let runs = 0;
    for (;;) {
      const through = this.indexedThrough();
      // Another connection may have compacted the log (or indexed it) meanwhile: start over from the table.
      if (this.pending?.length && this.pending[0]!.seq !== through + 1) this.pending = null;
      if (this.pending === null) {
        const tail = this.stmts.unindexed.all(through, this.runRows * MAX_PENDING_RUNS) as Entry[];
        if (tail.length < this.runRows * MAX_PENDING_RUNS) this.pending = tail;
        else if (runs < maxRuns) {
          this.db.transaction(() => this.writeRun(tail.slice(0, this.runRows))).immediate();
          runs++;
          continue;
        } else return runs;
      }
      if (this.pending.length < this.runRows || runs >= maxRuns) return runs;
      const rows = this.pending.slice(0, this.runRows);
      this.db.transaction(() => this.writeRun(rows)).immediate();
      this.pending.splice(0, rows.length);
      runs++;
    }
  }

  private writeRun(rows: readonly Entry[]): void {
    const last = this.stmts.lastRun.get() as { run: number } | undefined;
    const run = (last?.run ?? 0) + 1;
    this.stmts.addRun.run(run, rows[0]!.seq, rows[rows.length - 1]!.seq);
    // Sorted by key, each run's entries append to fresh pages instead of landing on random ones.
    this.stmts.addSubjects.run(run, JSON.stringify(rows.map((r) => [r.subject, r.seq])));
    this.stmts.addPrincipals.run(run, JSON.stringify(rows.filter((r) => r.principalId !== null).map((r) => [r.principalId, r.seq])));
  }

  /**
   * Records of one subject (as given) or principal, in chain order after `after`, `limit` at most,
   * that also pass `filter`: run by run through the index, then the unindexed tail.
   */
  find(by: 'subject' | 'principal', key: string, after: number, limit: number, filter: RecordFilter): DecisionLogRow[] {
    const where = filter.where ? ` AND ${filter.where}` : '';
    const inRun = this.prepared(
      `SELECT ${COLUMNS} FROM ${TABLES[by]} x JOIN decisions d ON d.seq = x.seq
       WHERE x.run = @run AND x.${KEYS[by]} = @key AND x.seq > @after${where} ORDER BY x.seq LIMIT @limit`,
    );
    const inTail = this.prepared(`SELECT ${COLUMNS} FROM decisions d WHERE d.seq > @after AND d.${KEYS[by]} = @key${where} ORDER BY d.seq LIMIT @limit`);
    const found: DecisionLogRow[] = [];
    const through = this.indexedThrough();
    for (const run of this.stmts.runsAfter.all(after) as number[]) {
      found.push(...(inRun.all({ ...filter.params, run, key, after, limit: limit - found.length }) as DecisionLogRow[]));
      if (found.length >= limit) return found;
    }
    found.push(...(inTail.all({ ...filter.params, key, after: Math.max(after, through), limit: limit - found.length }) as DecisionLogRow[]));
    return found;
  }

  /**
   * The time (ms) of each principal's newest record in the log (chain order), null when the log
   * holds none: the unindexed tail, then one pass over the runs' principal entries (measured:
   * ~0.65 s for 10k principals over 2M records).
   */
  lastDecisionsAt(principalIds: readonly string[]): Map<string, number | null> {
    const wanted = new Set(principalIds);
    const newest = new Map<string, number>();
    for (const [id, seq] of this.stmts.newestIndexed.all(JSON.stringify([...wanted])) as [string, number][]) newest.set(id, seq);
    for (const r of this.stmts.unindexed.iterate(this.indexedThrough(), Number.MAX_SAFE_INTEGER) as Iterable<Entry>) {
      if (r.principalId !== null && wanted.has(r.principalId)) newest.set(r.principalId, r.seq);
    }
    const out = new Map<string, number | null>();
    for (const id of principalIds) {
      const seq = newest.get(id);
      out.set(id, seq === undefined ? null : ((this.stmts.atOf.get(seq) as number | undefined) ?? null));
    }
    return out;
  }

  /** Drops the index entries of records up to `seq` (retention removed them); call inside the compaction's transaction. */
  forget(seq: number): void {
    for (const run of this.prepared('SELECT run FROM decision_runs WHERE first_seq <= ? ORDER BY run').pluck().all(seq) as number[]) {
      this.prepared('DELETE FROM decision_run_subjects WHERE run = ? AND seq <= ?').run(run, seq);
      this.prepared('DELETE FROM decision_run_principals WHERE run = ? AND seq <= ?').run(run, seq);
    }
    this.prepared('DELETE FROM decision_runs WHERE last_seq <= ?').run(seq);
    this.prepared('UPDATE decision_runs SET first_seq = ? WHERE first_seq <= ?').run(seq + 1, seq);
    this.pending = null; // reread from the table (this transaction may yet roll back)
  }

  private readonly cache = new Map<string, Database.Statement<unknown[]>>();
  private prepared(sql: string): Database.Statement<unknown[]> {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.db.prepare<unknown[]>(sql)));
    return s;
  }
}
