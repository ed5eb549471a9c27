import type { RoleStateVersion } from '../model/role-state-version.js';
import type { Conflict } from '../resolve/conflict.js';
import type { ResolvedCache } from './resolved-cache.js';

/** What responders see after each commit: one immutable resolved state and the version it is. */
export interface RoleSnapshot {
  readonly version: RoleStateVersion | null;
  readonly resolved: ResolvedCache;
  readonly conflicts: readonly Conflict[];
}
