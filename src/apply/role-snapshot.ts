import type { RoleStateVersion } from '../model/role-state-version.js';
import type { ResolvedState } from '../resolve/resolved-state.js';

/** What responders see after each commit: one immutable resolved state and the version it is. */
export interface RoleSnapshot {
  readonly version: RoleStateVersion | null;
  readonly state: ResolvedState;
}
