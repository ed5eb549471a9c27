import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { RosterError } from '../errors/roster-error.js';
import { DECISION_LOG_MIGRATIONS } from './decision-log-migrations.js';
import type { DecisionLogRow } from './decision-log-row.js';
import { DecisionLogQueries } from './decision-log-queries.js';
import { compactDecisionLog } from './compact-decision-log.js';
import { DecisionScan, type ScanWindow } from './decision-scan.js';

export const GENESIS_HASH = '0'.repeat(64);

/** The decision log's SQLite file: append batches in one transaction each, read in order. */
export class DecisionLogStore {
  readonly queries: DecisionLogQueries;
  private readonly insert;
  private readonly headRow;

  private constructor(readonly db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO decisions (decision_id, at, subject, principal_id, route, decision, record, prev_hash, hash)
       VALUES (@decisionId, @at, @subject, @principalId, @route, @decision, @record, @prevHash, @hash)`,
    );
    this.headRow = db.prepare('SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1');
    this.queries = new DecisionLogQueries(db);
  }

  static open(path: string, opts: { readonly readonly?: boolean } = {}): DecisionLogStore {
    try {
      if (!opts.readonly) mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false, timeout: 5000 });
      if (!opts.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
        const v = db.pragma('user_version', { simple: true }) as number;
        for (let i = v; i < DECISION_LOG_MIGRATIONS.length; i++) {
          db.transaction(() => {
            db.exec(DECISION_LOG_MIGRATIONS[i]!);
            db.pragma(`user_version = ${i + 1}`);
          }).immediate();
        }
      }
      return new DecisionLogStore(db);
    } catch (err) {
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

  /** Appends rows (already chained by the caller) in one durable transaction. */
  append(rows: readonly Omit<DecisionLogRow, 'seq'>[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.insert.run(r);
    })();
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
    return compactDecisionLog(this.db, cutoff, at, maxChunks);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
