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

/** Where retention cuts at `now`: history before `historyFloor`, decisions before `decisionCutoff` (undefined: kept forever). */
export function retentionCutoffs(config: RosterConfig, now: number): { historyFloor?: number; decisionCutoff?: number } {
  const { history, decisions } = config.retention;
  return {
    ...(history !== undefined ? { historyFloor: now - history - HISTORY_MARGIN_MS } : {}),
    ...(decisions !== undefined ? { decisionCutoff: now - decisions } : {}),
  };
}

/** Compacts what the configured retention allows, all at once (`roster compact`, the daemon's history). */
export function applyRetention(config: RosterConfig, store: SqliteRoleStore | null, log: DecisionLogStore | null, now: number): RetentionResult {
  const { historyFloor, decisionCutoff } = retentionCutoffs(config, now);
  return {
    history: store && historyFloor !== undefined ? store.compact(historyFloor, now) : null,
    decisions: log && decisionCutoff !== undefined ? { removed: log.compact(decisionCutoff, now).removed } : null,
  };
}
