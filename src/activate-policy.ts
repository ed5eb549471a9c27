import { decisionSettingsOf } from './config/decision-settings-of.js';
import { loadPolicy, type LoadedPolicy } from './config/load-policy.js';
import type { RosterConfig } from './config/roster-config.js';
import type { DecisionConfig } from './model/decision-config.js';
import { EMPTY_POLICY } from './policy/empty-policy.js';
import type { SqliteRoleStore } from './store/sqlite-role-store.js';

/**
 * Loads the configured policy and records it, with the decision settings (role ranks, staleness
 * limits), as in force from now (any writer does, so `decide --at`, who-could and replay find what
 * went with each role-state version, and the decision process decides with what was recorded).
 * No policy is recorded as the empty one (nothing allowed); what is already in force is not
 * recorded again. Nothing is recorded if the policy does not load; reading and recording are one
 * synchronous step.
 */
export function activatePolicy(config: RosterConfig, store: SqliteRoleStore): LoadedPolicy | null {
  const { decisionConfig, loaded } = decisionConfigOf(config);
  store.recordDecisionConfig(decisionConfig, Date.now());
  return loaded;
}

/** The decision settings and the policy a configuration puts in force (throws if the policy does not load). */
export function decisionConfigOf(config: RosterConfig): { decisionConfig: DecisionConfig; loaded: LoadedPolicy | null } {
  const loaded = config.policy?.file ? loadPolicy(config.policy.file, new Set(config.roles.map((r) => r.name))) : null;
  return { decisionConfig: { settings: decisionSettingsOf(config), policy: loaded ?? { hash: EMPTY_POLICY.hash, text: '' } }, loaded };
}
