import type { ChangeSet } from '../model/change-set.js';
import type { DecisionConfig } from '../model/decision-config.js';
import type { RoleStateVersion } from '../model/role-state-version.js';
import type { CurrentRows } from './current-rows.js';
import type { HistoryQueries } from './history-queries.js';
import type { SyncStateRow } from './sync-state-row.js';

/** What the sync side needs from the store; kept an interface so a replicated store can follow. */
export interface RoleStore {
  loadCurrent(): CurrentRows;
  /**
   * Commits one version (null when `changes` is empty) and, in the same transaction, the
   * source's cursor and success time, and (a reload) the decision settings and policy that go
   * with new role rules. Nothing is written if anything throws.
   */
  commit(changes: ChangeSet | null, sync: SyncOutcome, decisionConfig?: DecisionConfig): RoleStateVersion | null;
  recordSyncFailure(source: string, error: string, at: number): void;
  /** Records decision settings and policy as in force from `at` (a reload that changes no role rules). */
  recordDecisionConfig(config: DecisionConfig, at: number): void;
  /** The progress of a run in flight (null when it ends), so `roster status` can show it. */
  recordSyncProgress(source: string, progress: string | null): void;
  syncStates(): SyncStateRow[];
  readonly history: HistoryQueries;
  close(): void;
}

export interface SyncOutcome {
  readonly source: string;
  readonly at: number;
  /** undefined leaves the stored cursor as it is (push sources have none). */
  readonly cursor?: string | null;
}
