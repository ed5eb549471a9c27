import type { Identifier } from '../model/identifier.js';
import { normalizeDn } from '../resolve/normalize-identifier.js';

const AMBIGUOUS = '\u0000ambiguous';

export type SubjectLookup = { readonly principalId: string } | { readonly ambiguous: readonly string[] } | null;

/** Kinds compared exactly as given (the rest were lower-cased when they were normalized). */
const EXACT_KINDS: ReadonlySet<string> = new Set(['sub', 'clientId', 'oktaId', 'employeeId']);

/**
 * Binds the identifier a gateway verified to one principal. OIDC subjects are looked up as
 * `issuer|sub`; other identifiers by value (case-insensitively for email, UPN, DN, uid, object
 * id, login). A value two principals carry is ambiguous, never guessed. Patchable in place:
 * principals are added and removed as role-state versions arrive.
 */
export class SubjectIndex {
  private readonly exact = new Map<string, string>();
  private readonly folded = new Map<string, string>();
  /** Owners of the keys that more than one principal carries. */
  private readonly shared = new Map<string, Set<string>>();

  add(principalId: string, identifiers: readonly Identifier[]): void {
    for (const idf of identifiers) this.addKey(EXACT_KINDS.has(idf.kind) ? this.exact : this.folded, idf.value, principalId);
  }

  remove(principalId: string, identifiers: readonly Identifier[]): void {
    for (const idf of identifiers) this.removeKey(EXACT_KINDS.has(idf.kind) ? this.exact : this.folded, idf.value, principalId);
  }

  /** An OIDC subject of one issuer: binds only through that issuer's `sub`, never another kind. */
  lookupSub(issuer: string, sub: string): SubjectLookup {
    const key = `${issuer}|${sub}`;
    const v = this.exact.get(key);
    return v === undefined ? null : this.result(this.exact, key, v);
  }

  /** Any identifier kind with this value. */
  lookup(id: string): SubjectLookup {
    const a = this.exact.get(id);
    const lower = id.toLowerCase();
    let b = this.folded.get(lower);
    let bKey = lower;
    if (b === undefined && id.includes('=')) {
      bKey = normalizeDn(lower);
      b = this.folded.get(bKey);
    }
    if (a === undefined) {
      if (b === undefined) return null;
      return this.result(this.folded, bKey, b);
    }
    if (b === undefined || b === a) return this.result(this.exact, id, a);
    const owners = new Set([...this.ownersOf(this.exact, id, a), ...this.ownersOf(this.folded, bKey, b)]);
    return { ambiguous: [...owners].sort() };
  }

  private result(map: Map<string, string>, key: string, v: string): SubjectLookup {
    return v === AMBIGUOUS ? { ambiguous: this.ownersOf(map, key, v) } : { principalId: v };
  }

  private ownersOf(map: Map<string, string>, key: string, v: string): string[] {
    return v === AMBIGUOUS ? [...(this.shared.get(sharedKey(map, this.exact, key)) ?? [])].sort() : [v];
  }

  private addKey(map: Map<string, string>, value: string, pid: string): void {
    const prev = map.get(value);
    if (prev === undefined) map.set(value, pid);
    else if (prev !== pid) {
      const k = sharedKey(map, this.exact, value);
      const owners = this.shared.get(k) ?? new Set(prev === AMBIGUOUS ? [] : [prev]);
      owners.add(pid);
      this.shared.set(k, owners);
      map.set(value, AMBIGUOUS);
    }
  }

  private removeKey(map: Map<string, string>, value: string, pid: string): void {
    const prev = map.get(value);
    if (prev === pid) map.delete(value);
    else if (prev === AMBIGUOUS) {
      const k = sharedKey(map, this.exact, value);
      const owners = this.shared.get(k);
      owners?.delete(pid);
      if (owners && owners.size <= 1) {
        this.shared.delete(k);
        const [last] = owners;
        if (last === undefined) map.delete(value);
        else map.set(value, last);
      }
    }
  }
}

const sharedKey = (map: Map<string, string>, exact: Map<string, string>, key: string): string => (map === exact ? `e\u0000${key}` : `f\u0000${key}`);
