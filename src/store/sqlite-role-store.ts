import type { ChangeSet } from '../model/change-set.js';
import type { DecisionConfig } from '../model/decision-config.js';
import { changeSetRows, isEmptyChangeSet } from '../model/change-set.js';
import type { RoleStateVersion } from '../model/role-state-version.js';
import { ChangeSetWriter } from './commit-change-set.js';
import { ComplianceQueries } from './compliance-queries.js';
import { compactHistory, type HistoryCompaction } from './compact-history.js';
import type { CurrentRows } from './current-rows.js';
import { DecisionSettingsVersions } from './decision-settings-versions.js';
import { HistoryQueries } from './history-queries.js';
import { PolicyVersions } from './policy-versions.js';
import { openDatabase, type Db } from './open-database.js';
import type { RoleStore, SyncOutcome } from './role-store.js';
import type { SyncStateRow } from './sync-state-row.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { WriterLock } from './writer-lock.js';

/** The SQLite role store. Writable opens take the single-writer lock; read-only opens do not. */
export class SqliteRoleStore implements RoleStore {
  readonly history: HistoryQueries;
  readonly policies: PolicyVersions;
  readonly decisionSettings: DecisionSettingsVersions;
  readonly compliance: ComplianceQueries;
  private readonly writer: ChangeSetWriter | null;
  private readonly lock: WriterLock | null;
  private readonly checkpointer: WalCheckpointer | null;
  private readonly upsertSync;
  private readonly failSync;

  private constructor(readonly db: Db, lock: WriterLock | null) {
    this.lock = lock;
    this.history = new HistoryQueries(db);
    this.policies = new PolicyVersions(db);
    this.decisionSettings = new DecisionSettingsVersions(db);
    this.compliance = new ComplianceQueries(db, this.history);
    this.writer = lock ? new ChangeSetWriter(db) : null;
    this.checkpointer = lock ? new WalCheckpointer(db, db.name) : null;
    this.upsertSync = lock
      ? db.prepare(
          `INSERT INTO sync_state (source, cursor, last_success_at, last_attempt_at, consecutive_failures, last_version)
           VALUES (@source, @cursor, @at, @at, 0, @version)
           ON CONFLICT (source) DO UPDATE SET
             cursor = CASE WHEN @keepCursor THEN cursor ELSE @cursor END,
             last_success_at = @at, last_attempt_at = @at, consecutive_failures = 0,
             last_version = COALESCE(@version, last_version)`,
        )
      : null;
    this.failSync = lock
      ? db.prepare(
          `INSERT INTO sync_state (source, last_attempt_at, last_error, last_error_at, consecutive_failures)
           VALUES (@source, @at, @error, @at, 1)
           ON CONFLICT (source) DO UPDATE SET
             last_attempt_at = @at, last_error = @error, last_error_at = @at,
             consecutive_failures = consecutive_failures + 1`,
        )
      : null;
  }

  /** Opens for writing: takes the writer lock first, so a second daemon fails before touching anything. */
  static openWritable(path: string): SqliteRoleStore {
    const lock = WriterLock.acquire(path);
    try {
      return new SqliteRoleStore(openDatabase(path), lock);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  static openReadonly(path: string): SqliteRoleStore {
    return new SqliteRoleStore(openDatabase(path, { readonly: true }), null);
  }

  /**
   * Records the decision settings and the policy as in force from `at` (each only if it changed):
   * one transaction and one time for both (never before an earlier activation of either, should
   * the clock step back), so no moment has the one without the other.
   */
  recordDecisionConfig(config: DecisionConfig, at: number): void {
    this.db.transaction(() => this.recordInTransaction(config, at)).immediate();
  }

  private recordInTransaction(config: DecisionConfig, at: number): void {
    const time = Math.max(at, this.decisionSettings.lastActivatedAt() ?? 0, this.policies.lastActivatedAt() ?? 0);
    this.decisionSettings.activate(config.settings, time);
    this.policies.activate(config.policy.hash, config.policy.text, time);
  }

  loadCurrent(): CurrentRows {
    const all = <T>(sql: string): T[] => this.db.prepare(sql).all() as T[];
    return {
      accounts: all('SELECT source, external_id AS externalId, data FROM accounts WHERE to_v IS NULL'),
      groups: all('SELECT source, external_id AS externalId, data FROM groups WHERE to_v IS NULL'),
      memberships: all('SELECT source, group_id AS groupId, member FROM memberships WHERE to_v IS NULL'),
      principals: all('SELECT id, data FROM principals WHERE to_v IS NULL'),
      links: all('SELECT source, external_id AS externalId, principal_id AS principalId FROM links WHERE to_v IS NULL'),
      aliases: all('SELECT kind, value, principal_id AS principalId FROM aliases WHERE to_v IS NULL'),
      grants: all('SELECT g.principal_id AS principalId, g.role, p.json AS path FROM grants g JOIN grant_paths p ON p.id = g.path_id WHERE g.to_v IS NULL'),
    };
  }

  commit(changes: ChangeSet | null, sync: SyncOutcome, decisionConfig?: DecisionConfig): RoleStateVersion | null {
    const writer = this.requireWriter();
    const transaction = this.db.transaction(() => {
      const version = changes && !isEmptyChangeSet(changes) ? writer.write(changes) : null;
      if (decisionConfig) this.recordInTransaction(decisionConfig, sync.at);
      this.upsertSync!.run({
        source: sync.source,
        cursor: sync.cursor ?? null,
        keepCursor: sync.cursor === undefined ? 1 : 0,
        at: sync.at,
        version: version?.id ?? null,
      });
      return version;
    });
    try {
      return this.checkpointer!.around(changes ? changeSetRows(changes) : 0, () => transaction.immediate());
    } catch (err) {
      // Rolled back (better-sqlite3 does that before rethrowing): the grant path ids it made are void.
      writer.rolledBack();
      throw err;
    }
  }

  recordSyncProgress(source: string, progress: string | null): void {
    this.requireWriter();
    this.db
      .prepare('INSERT INTO sync_state (source, progress) VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET progress = excluded.progress')
      .run(source, progress);
  }

  recordSyncFailure(source: string, error: string, at: number): void {
    this.requireWriter();
    this.failSync!.run({ source, error, at });
  }

  syncStates(): SyncStateRow[] {
    return this.db
      .prepare(
        `SELECT source, cursor, last_success_at AS lastSuccessAt, last_attempt_at AS lastAttemptAt,
                last_error AS lastError, last_error_at AS lastErrorAt,
                consecutive_failures AS consecutiveFailures, last_version AS lastVersion, progress
         FROM sync_state ORDER BY source`,
      )
      .all() as SyncStateRow[];
  }

  /** Retention: removes history no query at or after `floorTime` needs (compact-history.ts). */
  compact(floorTime: number, at: number): HistoryCompaction | null {
    const writer = this.requireWriter();
    const removed = compactHistory(this.db, floorTime, at);
    // Compaction removes grant paths no row uses any more; a cached id of one would fail the next commit.
    writer.reloadPathIds();
    return removed;
  }

  close(): void {
    this.checkpointer?.close();
    if (this.db.open) this.db.close();
    this.lock?.release();
  }

  private requireWriter(): ChangeSetWriter {
    if (!this.writer) throw new Error('store opened read-only');
    return this.writer;
  }
}
