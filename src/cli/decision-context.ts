import { loadPolicy, parsePolicy, type LoadedPolicy } from '../config/load-policy.js';
import { decisionSettingsOf } from '../config/decision-settings-of.js';
import type { RosterConfig } from '../config/roster-config.js';
import { settingsAt } from '../compliance/point-in-time.js';
import { RosterError } from '../errors/roster-error.js';
import { buildDecisionIndex, type DecisionIndex } from '../policy/decision-index.js';
import { EMPTY_POLICY } from '../policy/empty-policy.js';
import type { SourceFreshness } from '../policy/source-freshness.js';
import { freshnessOf } from '../serve/freshness-of.js';
import type { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { timeFor, versionFor } from './parse-time.js';

/**
 * The index the daemon would decide with, rebuilt from the store: the latest role state and
 * the policy in force now; with `at`, the role state, policy version and decision settings (role
 * ranks) in force at that time.
 */
export function decisionContext(store: SqliteRoleStore, config: RosterConfig, at: string | undefined, policyFile?: string): { index: DecisionIndex; freshness: SourceFreshness; now: number } {
  const version = versionFor(store.history, at);
  const now = timeFor(store.history, at);
  const settings = at === undefined ? decisionSettingsOf(config) : settingsAt(store, now, decisionSettingsOf(config));
  const roles = new Set(settings.ranks.keys());
  let policy: LoadedPolicy | null = null;
  if (policyFile) policy = loadPolicy(policyFile, roles);
  else if (at !== undefined) {
    const pv = store.policies.at(now);
    if (!pv && config.policy) throw new RosterError('ROSTER_ERR_POLICY_VERSION_UNKNOWN', { at });
    // The empty policy is what a configuration without one recorded: nothing was allowed.
    if (pv && pv.hash !== EMPTY_POLICY.hash) policy = parsePolicy(pv.text, `policy ${pv.hash}`, roles);
  } else if (config.policy) {
    policy = loadPolicy(config.policy.file, roles);
  }
  const index = buildDecisionIndex(store.history.stateAt(version), version, policy?.policy ?? EMPTY_POLICY, settings.ranks, settings.version);
  // Past decisions are evaluated as of their time: the sources then count as fresh.
  const freshness = at === undefined ? freshnessOf(settings, store.syncStates()) : new Map([...freshnessOf(settings, []).entries()].map(([k, v]) => [k, { ...v, lastSuccessAt: now }]));
  return { index, freshness, now };
}
