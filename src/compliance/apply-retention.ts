import type { RosterConfig } from '../config/roster-config.js';
import type { HistoryCompaction } from '../store/compact-history.js';
import type { DecisionLogStore } from '../store/decision-log-store.js';
import type { SqliteRoleStore } from '../store/sqlite-role-store.js';

/**
 * History is kept one day past its window: a decision recorded just inside the decision window
 * may name a role-state version the responder was still serving from slightly before it, and
 * must stay replayable.
 */
const HISTORY_MARGIN_MS = 86_400_000;

export interface RetentionResult {
  readonly history: HistoryCompaction | null;
  readonly decisions: { readonly removed: number } | null;
}

/** Compacts what the configured retention allows; nothing is configured, nothing is removed. */
export function applyRetention(config: RosterConfig, store: SqliteRoleStore | null, log: DecisionLogStore | null, now: number): RetentionResult {
  const { history, decisions } = config.retention;
  return {
    history: store && history !== undefined ? store.compact(now - history - HISTORY_MARGIN_MS, now) : null,
    decisions: log && decisions !== undefined ? log.compact(now - decisions, now) : null,
  };
}
