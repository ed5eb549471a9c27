import type Database from 'better-sqlite3';
import type { DecisionLogRow } from './decision-log-row.js';
import type { Db } from './open-database.js';

/** Records per run: big enough that a run's sorted entries fill whole pages, small enough that the unindexed tail is a cheap scan. */
export const DEFAULT_RUN_ROWS = 4096;
/** Runs folded into the newest-record-per-principal table at a time (see migration 4). */
const FOLD_RUNS = 64;

/** The filters a search applies to the records themselves (the index narrows by subject or principal). */
export interface RecordFilter {
  /** SQL over the columns of `decisions` aliased `d`, e.g. "d.route = @route AND d.at >= @since" ('' for none). */
  readonly where: string;
  readonly params: Readonly<Record<string, unknown>>;
}

const COLUMNS = 'd.seq, d.decision_id AS decisionId, d.at, d.subject, d.principal_id AS principalId, d.route, d.decision, d.record, d.prev_hash AS prevHash, d.hash';
const TABLES = { subject: 'decision_run_subjects', principal: 'decision_run_principals' } as const;
const KEYS = { subject: 'subject', principal: 'principal_id' } as const;

/**
 * The decision log's lookups by subject and by principal, kept out of the append path. A B-tree
 * index on (subject, at) puts every new record on a random page: measured, the two such indexes
 * made a committed record cost ~85 µs instead of ~19 µs, and they capped durable logging.
 *
 * Instead, committed records are indexed afterwards in runs of `runRows` (by sequence number):
 * one INSERT … SELECT per run copies the run's keys from `decisions`, sorted, under the run's
 * number, so a run fills a few fresh pages (a 4,096-record run: ~10 ms). The keys never pass
 * through JavaScript, so they stay byte for byte what the records hold (a subject with a lone
 * surrogate included). A lookup probes each run (one index seek per run) and scans the tail not
 * yet indexed (fewer than `runRows` records). Everything here is derived from `decisions`.
 */
export class DecisionLogIndex {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly runRows: number,
    private readonly foldRuns = FOLD_RUNS,
  ) {
    this.stmts = {
      lastRun: db.prepare('SELECT run, last_seq AS lastSeq FROM decision_runs ORDER BY run DESC LIMIT 1'),
      anchorSeq: db.prepare('SELECT seq FROM chain_anchor WHERE id = 1').pluck(),
      head: db.prepare('SELECT max(seq) FROM decisions').pluck(),
      // The sequence numbers of the next run: the first record after `through` and the runRows-th.
      runBounds: db.prepare('SELECT min(seq) AS first, max(seq) AS last, count(*) AS n FROM (SELECT seq FROM decisions WHERE seq > ? ORDER BY seq LIMIT ?)'),
      addRun: db.prepare('INSERT INTO decision_runs (run, first_seq, last_seq) VALUES (?, ?, ?)'),
      copySubjects: db.prepare('INSERT INTO decision_run_subjects (run, subject, seq) SELECT ?, subject, seq FROM decisions WHERE seq BETWEEN ? AND ? ORDER BY subject, seq'),
      copyPrincipals: db.prepare(
        'INSERT INTO decision_run_principals (run, principal_id, seq) SELECT ?, principal_id, seq FROM decisions WHERE seq BETWEEN ? AND ? AND principal_id IS NOT NULL ORDER BY principal_id, seq',
      ),
      tailPrincipals: db.prepare('SELECT seq, principal_id AS principalId FROM decisions WHERE seq > ? AND principal_id IS NOT NULL ORDER BY seq'),
      runsAfter: db.prepare('SELECT run FROM decision_runs WHERE last_seq > ? ORDER BY run').pluck(),
      newestIndexed: db.prepare('SELECT principal_id, seq FROM decision_last_by_principal WHERE principal_id IN (SELECT value FROM json_each(?))').raw(),
      foldedThrough: db.prepare('SELECT run FROM decision_last_through WHERE id = 1').pluck(),
      newestUnfolded: db
        .prepare('SELECT principal_id, max(seq) FROM decision_run_principals WHERE run > ? AND principal_id IN (SELECT value FROM json_each(?)) GROUP BY principal_id')
        .raw(),
      fold: db.prepare(
        `INSERT INTO decision_last_by_principal (principal_id, seq)
         SELECT principal_id, max(seq) FROM decision_run_principals WHERE run > ? AND run <= ? GROUP BY principal_id
         ON CONFLICT (principal_id) DO UPDATE SET seq = max(seq, excluded.seq)`,
      ),
      setFolded: db.prepare('UPDATE decision_last_through SET run = ? WHERE id = 1'),
      atOf: db.prepare('SELECT at FROM decisions WHERE seq = ?').pluck(),
      runsFrom: db.prepare('SELECT run FROM decision_runs WHERE first_seq <= ? ORDER BY run').pluck(),
      forgetSubjects: db.prepare('DELETE FROM decision_run_subjects WHERE run = ? AND seq <= ?'),
      forgetPrincipals: db.prepare('DELETE FROM decision_run_principals WHERE run = ? AND seq <= ?'),
      forgetRuns: db.prepare('DELETE FROM decision_runs WHERE last_seq <= ?'),
      trimRuns: db.prepare('UPDATE decision_runs SET first_seq = ? WHERE first_seq <= ?'),
    };
  }

  /** The sequence number up to which every record is indexed (records up to the compaction anchor are gone). */
  indexedThrough(): number {
    const last = this.stmts.lastRun.get() as { run: number; lastSeq: number } | undefined;
    return Math.max(last?.lastSeq ?? 0, (this.stmts.anchorSeq.get() as number | undefined) ?? 0);
  }

  /**
   * Indexes full runs of committed records, at most `maxRuns`, each in its own write transaction
   * (which also makes it consistent with a compaction by another connection); a partial run waits
   * for more records. Returns the number of runs written.
   */
  catchUp(maxRuns: number): number {
    let runs = 0;
    while (runs < maxRuns && this.db.transaction(() => this.writeRun()).immediate()) runs++;
    return runs;
  }

  private writeRun(): boolean {
    const through = this.indexedThrough();
    // Cheap test first (called after every commit): sequence numbers only have gaps where records were removed by hand.
    if (((this.stmts.head.get() as number | null) ?? 0) - through < this.runRows) return false;
    const next = this.stmts.runBounds.get(through, this.runRows) as { first: number; last: number; n: number };
    if (next.n < this.runRows) return false;
    const run = ((this.stmts.lastRun.get() as { run: number } | undefined)?.run ?? 0) + 1;
    this.stmts.addRun.run(run, next.first, next.last);
    this.stmts.copySubjects.run(run, next.first, next.last);
    this.stmts.copyPrincipals.run(run, next.first, next.last);
    // Each principal's newest record, FOLD_RUNS runs at a time: one pass over the table then
    // costs what one run's worth of random updates to it cost.
    const folded = this.stmts.foldedThrough.get() as number;
    if (run - folded >= this.foldRuns) {
      this.stmts.fold.run(folded, run);
      this.stmts.setFolded.run(run);
    }
    return true;
  }

  /**
   * Records of one subject (as given) or principal, in chain order after `after`, `limit` at most,
   * that also pass `filter`: run by run through the index, then the unindexed tail.
   */
  find(by: 'subject' | 'principal', key: string, after: number, limit: number, filter: RecordFilter): DecisionLogRow[] {
    // One read transaction: a run the writer commits meanwhile must not show up both as a run and as tail.
    return this.db.transaction(() => this.findInSnapshot(by, key, after, limit, filter))();
  }

  private findInSnapshot(by: 'subject' | 'principal', key: string, after: number, limit: number, filter: RecordFilter): DecisionLogRow[] {
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
   * holds none: one seek per principal in the newest-record table, the runs not folded into it
   * yet, then the unindexed tail. (A newest record that retention removed means all were: its
   * time reads as null, so that table needs no cleanup.)
   */
  lastDecisionsAt(principalIds: readonly string[]): Map<string, number | null> {
    // One read transaction: a run committed between the two passes would be seen by neither.
    return this.db.transaction(() => this.lastInSnapshot(principalIds))();
  }

  private lastInSnapshot(principalIds: readonly string[]): Map<string, number | null> {
    const wanted = new Set(principalIds);
    const newest = new Map<string, number>();
    const list = JSON.stringify([...wanted]);
    for (const [id, seq] of this.stmts.newestIndexed.all(list) as [string, number][]) newest.set(id, seq);
    // Runs not folded into the table yet (fewer than FOLD_RUNS): their entries are newer.
    for (const [id, seq] of this.stmts.newestUnfolded.all(this.stmts.foldedThrough.get(), list) as [string, number][]) newest.set(id, Math.max(seq, newest.get(id) ?? 0));
    for (const r of this.stmts.tailPrincipals.iterate(this.indexedThrough()) as Iterable<{ seq: number; principalId: string }>) {
      if (wanted.has(r.principalId)) newest.set(r.principalId, r.seq);
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
    for (const run of this.stmts.runsFrom.all(seq) as number[]) {
      this.stmts.forgetSubjects.run(run, seq);
      this.stmts.forgetPrincipals.run(run, seq);
    }
    this.stmts.forgetRuns.run(seq);
    this.stmts.trimRuns.run(seq + 1, seq);
  }

  /** The lookups' statements by SQL text (one per combination of filters). */
  private readonly cache = new Map<string, Database.Statement<unknown[]>>();
  private prepared(sql: string): Database.Statement<unknown[]> {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.db.prepare<unknown[]>(sql)));
    return s;
  }
}
