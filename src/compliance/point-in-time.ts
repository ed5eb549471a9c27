import type { DecisionSettings } from '../model/decision-settings.js';
import type { CompiledPolicy } from '../policy/compiled-policy.js';
import { RosterError } from '../errors/roster-error.js';
import type { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { compiledPolicyAt } from './policy-in-force.js';

/** A moment compliance asks about: the role-state version, the policy and the decision settings in force then. */
export interface PointInTime {
  readonly time: number;
  readonly version: number;
  readonly policy: CompiledPolicy;
  readonly settings: DecisionSettings;
}

/**
 * Resolves a time (ms) or a version to what was in force. Times before the retention floor are
 * refused: compaction removed what they would need, and a wrong answer is worse than none.
 * The decision settings are those in force at that time (see settingsAt).
 */
export function pointInTime(store: SqliteRoleStore, at: { readonly time: number } | { readonly version: number }, configured: DecisionSettings): PointInTime {
  const floor = store.compliance.retentionFloor();
  const v = 'version' in at ? store.history.version(at.version) : store.history.versionAt(at.time);
  const label = 'version' in at ? `@${at.version}` : new Date(at.time).toISOString();
  if (floor && ('version' in at ? at.version < floor.floorVersion : at.time < floor.floorTime)) {
    throw new RosterError('ROSTER_ERR_BEFORE_RETENTION', { at: label, floor: new Date(floor.floorTime).toISOString() });
  }
  if (!v) throw new RosterError('ROSTER_ERR_VERSION_UNKNOWN', { at: label });
  const time = 'version' in at ? v.committedAt : at.time;
  const settings = settingsAt(store, time, configured);
  return { time, version: v.id, policy: compiledPolicyAt(store.policies, time, new Set(settings.ranks.keys())), settings };
}

/**
 * The decision settings in force at `time` (ms): recorded ones (before the first recorded, the
 * earliest), or the configured ones in a store where none was ever recorded.
 */
export function settingsAt(store: SqliteRoleStore, time: number, configured: DecisionSettings): DecisionSettings {
  return store.decisionSettings.at(time) ?? configured;
}
