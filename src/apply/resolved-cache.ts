/**
 * The committed resolved state in the serialized forms the store keeps, so the next resolution
 * is diffed by string comparison. Replaced (copied and patched) after each commit.
 */
export interface ResolvedCache {
  readonly principalJson: ReadonlyMap<string, string>;
  /** accountKey -> principal id. */
  readonly links: ReadonlyMap<string, string>;
  /** principal id -> its alias keys (`kind\0value`). */
  readonly aliases: ReadonlyMap<string, readonly string[]>;
  /** principal id -> role -> canonical JSON of the grant path. */
  readonly grants: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

export const aliasKey = (kind: string, value: string): string => `${kind}\u0000${value}`;
