/**
 * The committed resolved state in the serialized forms the store keeps, so the next resolution
 * is diffed by string comparison. Updated in place after each commit.
 */
export interface ResolvedCache {
  readonly principalJson: Map<string, string>;
  /** accountKey -> principal id. */
  links: ReadonlyMap<string, string>;
  /** principal id -> its alias keys (`kind\0value`). */
  readonly aliases: Map<string, readonly string[]>;
  /** principal id -> role -> canonical JSON of the grant path. */
  readonly grants: Map<string, ReadonlyMap<string, string>>;
}

export const aliasKey = (kind: string, value: string): string => `${kind}\u0000${value}`;
