import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { RosterError } from '../errors/roster-error.js';
import { DECISION_LOG_MIGRATIONS } from './decision-log-migrations.js';
import type { DecisionLogRow } from './decision-log-row.js';
import { DecisionLogQueries } from './decision-log-queries.js';
import { compactDecisionLog } from './compact-decision-log.js';
import { DecisionScan, type ScanWindow } from './decision-scan.js';
import { DecisionLogIndex, DEFAULT_RUN_ROWS } from './decision-log-index.js';

export const GENESIS_HASH = '0'.repeat(64);

/** The decision log's SQLite file: append batches in one transaction each, read in order. */
export class DecisionLogStore {
  readonly queries: DecisionLogQueries;
  private readonly index: DecisionLogIndex;
  private readonly insert;
  private readonly headRow;

  private constructor(
    readonly db: Database.Database,
    private readonly runRows: number,
    foldRuns?: number,
  ) {
    this.insert = db.prepare(
      `INSERT INTO decisions (decision_id, at, subject, principal_id, route, decision, record, prev_hash, hash)
       VALUES (@decisionId, @at, @subject, @principalId, @route, @decision, @record, @prevHash, @hash)`,
    );
    this.headRow = db.prepare('SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1');
    this.index = new DecisionLogIndex(db, runRows, foldRuns);
    this.queries = new DecisionLogQueries(db, this.index);
  }

  /**
   * `indexRunRows`, `indexFoldRuns`: records per run of the subject/principal index, runs per fold
   * of its newest-record table (decision-log-index.ts); tests make them small. `fsyncEachCommit`
   * (default true): false for a log nobody waits on (async mode), whose commits then reach the
   * disk at checkpoints (SQLite synchronous=NORMAL): a process crash still loses no commit, a
   * power loss can lose the commits since the last checkpoint.
   */
  static open(path: string, opts: { readonly readonly?: boolean; readonly indexRunRows?: number; readonly indexFoldRuns?: number; readonly fsyncEachCommit?: boolean } = {}): DecisionLogStore {
    try {
      if (!opts.readonly) mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false, timeout: 5000 });
      if (!opts.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma(`synchronous = ${opts.fsyncEachCommit === false ? 'NORMAL' : 'FULL'}`);
        const v = db.pragma('user_version', { simple: true }) as number;
        for (let i = v; i < DECISION_LOG_MIGRATIONS.length; i++) {
          db.transaction(() => {
            db.exec(DECISION_LOG_MIGRATIONS[i]!);
            db.pragma(`user_version = ${i + 1}`);
          }).immediate();
        }
      } else if ((db.pragma('user_version', { simple: true }) as number) < DECISION_LOG_MIGRATIONS.length) {
        // Written by an older release: upgrade it through a writable connection (the daemon's admin
        // socket opens the log read-only, and with logging off nothing else ever would), then read.
        db.close();
        try {
          DecisionLogStore.open(path, { indexRunRows: opts.indexRunRows }).close();
        } catch (err) {
          throw new Error(`the decision log was written by an older Roster and could not be upgraded here (${err instanceof Error ? err.message : String(err)}); run this as the daemon's user, or start the daemon once, then retry`);
        }
        return DecisionLogStore.open(path, opts);
      }
      return new DecisionLogStore(db, opts.indexRunRows ?? DEFAULT_RUN_ROWS, opts.indexFoldRuns);
    } catch (err) {
      if (err instanceof RosterError) throw err; // from the reopen after an upgrade: already says it
      throw new RosterError('ROSTER_ERR_STORE_OPEN', { path, cause: err instanceof Error ? err.message : String(err) });
    }
  }

  /** The newest hash of the chain (the genesis hash for an empty log). */
  lastHash(): string {
    return this.head()?.hash ?? GENESIS_HASH;
  }

  /** The newest record's place and hash (null when the log is empty). */
  head(): { seq: number; hash: string } | null {
    return (this.headRow.get() as { seq: number; hash: string } | undefined) ?? null;
  }

  /** Appends rows (already chained by the caller) in one durable transaction, then indexes what is due (indexDue). */
  append(rows: readonly Omit<DecisionLogRow, 'seq'>[]): void {
    this.appendOnly(rows);
    this.indexDue(rows.length);
  }

  /** Appends rows (already chained by the caller) in one durable transaction; the caller runs indexDue() when it suits it. */
  appendOnly(rows: readonly Omit<DecisionLogRow, 'seq'>[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.insert.run(r);
    })();
  }

  /**
   * Indexes full runs of records by subject and principal (decision-log-index.ts): as many as
   * `appended` new records need, plus one, so a backlog (e.g. after an upgrade) is worked off too.
   * A failure loses nothing: the records are committed, lookups scan what is not indexed, and the
   * next call retries. Returns the number of runs written.
   */
  indexDue(appended: number): number {
    try {
      return this.index.catchUp(Math.ceil(appended / this.runRows) + 1);
    } catch {
      return 0; // derived data only: retried on the next call
    }
  }

  /** Records in chain order over a window, read in batches (for verify and export; see decision-scan.ts). */
  scan(window: ScanWindow = {}): DecisionScan {
    return new DecisionScan(this.db, window);
  }

  byId(decisionId: string): DecisionLogRow | null {
    return (
      (this.db
        .prepare(
          `SELECT seq, decision_id AS decisionId, at, subject, principal_id AS principalId, route, decision, record, prev_hash AS prevHash, hash
           FROM decisions WHERE decision_id = ?`,
        )
        .get(decisionId) as DecisionLogRow | undefined) ?? null
    );
  }

  /** Retention: removes records older than `cutoff`, keeping the chain verifiable (compact-decision-log.ts). */
  compact(cutoff: number, at: number, maxChunks?: number): { removed: number; more: boolean } {
    return compactDecisionLog(this.db, this.index, cutoff, at, maxChunks);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
