import type { Principal } from '../model/principal.js';

/**
 * The current resolved state in the serialized forms the store keeps, so that the next
 * resolution is diffed by string comparison. Replaced wholesale after each commit.
 */
export interface ResolvedCache {
  readonly principals: ReadonlyMap<string, Principal>;
  readonly principalJson: ReadonlyMap<string, string>;
  /** accountKey -> principal id. */
  readonly links: ReadonlyMap<string, string>;
  /** `kind\0value\0principalId`. */
  readonly aliases: ReadonlySet<string>;
  /** principal id -> role -> canonical JSON of the grant path. */
  readonly grants: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

export const emptyResolvedCache = (): ResolvedCache => ({
  principals: new Map(),
  principalJson: new Map(),
  links: new Map(),
  aliases: new Set(),
  grants: new Map(),
});

export const aliasKey = (kind: string, value: string, principalId: string): string => `${kind}\u0000${value}\u0000${principalId}`;
