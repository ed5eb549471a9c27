import { normalizeDn } from '../resolve/normalize-identifier.js';
import { ShardedMap } from './sharded-map.js';

const AMBIGUOUS: unique symbol = Symbol('ambiguous');

/** A subject identifier that several principals carry: never bound, always denied. */
export class AmbiguousSubject {
  constructor(readonly owners: readonly string[]) {}
}

/** The entry bound, an ambiguity, or nothing. Plain values: no allocation on the hot path. */
export type SubjectLookup<E> = E | AmbiguousSubject | null;

/**
 * Binds the identifier a gateway verified to one principal's entry. Identifier values are keys
 * of one map (case-insensitive kinds were lower-cased when normalized; OIDC subjects are keyed
 * `issuer|sub`), so the usual lookup is a single hash probe. A value two principals carry is
 * ambiguous, never guessed. Patchable in place as role-state versions arrive, or cloned cheaply.
 */
export class SubjectIndex<E extends { readonly principalId: string }> {
  private readonly keys: ShardedMap<E | typeof AMBIGUOUS>;
  /** Owners of the keys more than one principal carries (few: copied whole by clone()). */
  private readonly shared: Map<string, Map<string, E>>;

  constructor(from?: SubjectIndex<E>) {
    this.keys = from ? from.keys.clone() : new ShardedMap();
    this.shared = new Map(from ? [...from.shared].map(([k, owners]) => [k, new Map(owners)]) : []);
  }

  /** A copy to patch while this one keeps answering (copy-on-write: cheap to take). */
  clone(): SubjectIndex<E> {
    return new SubjectIndex(this);
  }

  /** Copies key shard `i` now (see ShardedMap.own). */
  ownShard(i: number): void {
    this.keys.own(i);
  }

  /** Binds the entry under each of its (normalized) identifier values. */
  add(entry: E, values: readonly string[]): void {
    for (const value of values) {
      const prev = this.keys.get(value);
      if (prev === undefined) this.keys.set(value, entry);
      else if (prev === AMBIGUOUS) this.shared.get(value)!.set(entry.principalId, entry);
      else if (prev.principalId === entry.principalId) this.keys.set(value, entry);
      else {
        this.shared.set(value, new Map([[prev.principalId, prev], [entry.principalId, entry]]));
        this.keys.set(value, AMBIGUOUS);
      }
    }
  }

  remove(principalId: string, values: readonly string[]): void {
    for (const value of values) {
      const prev = this.keys.get(value);
      if (prev === undefined) continue;
      if (prev !== AMBIGUOUS) {
        if (prev.principalId === principalId) this.keys.delete(value);
        continue;
      }
      const owners = this.shared.get(value)!;
      owners.delete(principalId);
      if (owners.size === 1) {
        this.keys.set(value, owners.values().next().value!);
        this.shared.delete(value);
      }
    }
  }

  /** An OIDC subject of one issuer: binds only through that issuer's `sub`. */
  lookupSub(issuer: string, sub: string): SubjectLookup<E> {
    return this.result(`${issuer}|${sub}`);
  }

  /** Any identifier with this value (as given, lower-cased, or as a normalized DN). */
  lookup(id: string): SubjectLookup<E> {
    const exact = this.keys.get(id);
    const lower = id.toLowerCase();
    if (lower === id) {
      // The common case: one probe (each costs a cache miss or two in a 300k-key index).
      if (exact !== undefined) return exact === AMBIGUOUS ? new AmbiguousSubject(this.owners(id)) : exact;
      return id.includes('=') ? this.result(normalizeDn(lower)) : null;
    }
    // Mixed case: an exact-kind value and a case-insensitive one may both match.
    let folded = this.keys.get(lower);
    let foldedKey = lower;
    if (folded === undefined && id.includes('=')) folded = this.keys.get((foldedKey = normalizeDn(lower)));
    if (exact === undefined) return this.result(foldedKey);
    if (folded === undefined || folded === exact) return this.result(id);
    return new AmbiguousSubject([...new Set([...this.owners(id), ...this.owners(foldedKey)])].sort());
  }

  private result(key: string): SubjectLookup<E> {
    const v = this.keys.get(key);
    if (v === undefined) return null;
    return v === AMBIGUOUS ? new AmbiguousSubject(this.owners(key)) : v;
  }

  private owners(key: string): string[] {
    const v = this.keys.get(key);
    if (v === undefined) return [];
    return v === AMBIGUOUS ? [...this.shared.get(key)!.keys()].sort() : [v.principalId];
  }
}
