import type { GrantPath } from '../model/grant-path.js';
import type { Principal } from '../model/principal.js';
import type { Conflict } from './conflict.js';

/** The resolved role state: who exists, which accounts are whose, and who holds which role why. */
export interface ResolvedState {
  readonly principals: ReadonlyMap<string, Principal>;
  /** accountKey(source, externalId) -> principal id. */
  readonly principalOfAccount: ReadonlyMap<string, string>;
  readonly grants: ReadonlyMap<string, ReadonlyMap<string, GrantPath>>;
  readonly conflicts: readonly Conflict[];
}
