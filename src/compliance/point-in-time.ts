import type { CompiledPolicy } from '../policy/compiled-policy.js';
import { RosterError } from '../errors/roster-error.js';
import type { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { compiledPolicyAt } from './policy-in-force.js';

/** A moment compliance asks about: the role-state version and the policy version in force then. */
export interface PointInTime {
  readonly time: number;
  readonly version: number;
  readonly policy: CompiledPolicy;
}

/**
 * Resolves a time (ms) or a version to what was in force. Times before the retention floor are
 * refused: compaction removed what they would need, and a wrong answer is worse than none.
 */
export function pointInTime(store: SqliteRoleStore, at: { readonly time: number } | { readonly version: number }, roles: ReadonlySet<string>): PointInTime {
  const floor = store.compliance.retentionFloor();
  const v = 'version' in at ? store.history.version(at.version) : store.history.versionAt(at.time);
  const label = 'version' in at ? `@${at.version}` : new Date(at.time).toISOString();
  if (floor && ('version' in at ? at.version < floor.floorVersion : at.time < floor.floorTime)) {
    throw new RosterError('ROSTER_ERR_BEFORE_RETENTION', { at: label, floor: new Date(floor.floorTime).toISOString() });
  }
  if (!v) throw new RosterError('ROSTER_ERR_VERSION_UNKNOWN', { at: label });
  const time = 'version' in at ? v.committedAt : at.time;
  return { time, version: v.id, policy: compiledPolicyAt(store.policies, time, roles) };
}
