import type { RoleStateVersion } from '../model/role-state-version.js';
import type { ResolvedState } from '../resolve/resolved-state.js';

/**
 * What listeners get after each commit: the version and the live resolved state. The state is
 * patched in place by the next commit, so a listener copies what it keeps before returning.
 */
export interface RoleSnapshot {
  readonly version: RoleStateVersion | null;
  readonly state: ResolvedState;
  /** Principals this version touched (all of them after a rule change); absent at start. */
  readonly changed?: Iterable<string>;
}
