import type { GrantPath } from '../model/grant-path.js';

/**
 * The committed resolved state in the serialized forms the store keeps (principals as digests of
 * their JSON), so the next resolution is diffed by string comparison. Updated in place after each commit.
 */
export interface ResolvedCache {
  /** principal id -> digest of its canonical JSON (json-digest.ts). */
  readonly principalDigest: Map<string, string>;
  /** accountKey -> principal id. */
  links: ReadonlyMap<string, string>;
  /**
   * principal id -> its committed aliases: after a commit the committed principal's own
   * identifiers array (shared, so 500k aliases cost no copies); loaded from the store at start.
   */
  readonly aliases: Map<string, readonly AliasPair[]>;
  /**
   * principal id -> role -> grant path: after a commit the live state's own map (never changed in
   * place, so shared); loaded from the store at start, one object per distinct path.
   */
  readonly grants: Map<string, ReadonlyMap<string, GrantPath>>;
}

/** An alias as the store keys it (an identifier without its `verified` flag). */
export interface AliasPair {
  readonly kind: string;
  readonly value: string;
}

export const aliasKey = (kind: string, value: string): string => `${kind}\u0000${value}`;
