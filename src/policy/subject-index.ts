import type { Principal } from '../model/principal.js';
import { normalizeDn } from '../resolve/normalize-identifier.js';

const AMBIGUOUS = '\u0000ambiguous';

export type SubjectLookup = { readonly principalId: string } | { readonly ambiguous: readonly string[] } | null;

/** Kinds compared exactly as given (the rest were lower-cased when they were normalized). */
const EXACT_KINDS = new Set(['sub', 'clientId', 'oktaId', 'employeeId']);

/**
 * Binds the identifier a gateway verified to one principal. OIDC subjects are looked up as
 * `issuer|sub`; other identifiers by value (case-insensitively for email, UPN, DN, uid, object
 * id, login). A value two principals carry is ambiguous, never guessed.
 */
export class SubjectIndex {
  private readonly exact = new Map<string, string>();
  private readonly folded = new Map<string, string>();
  private readonly owners = new Map<string, Set<string>>();

  constructor(principals: Iterable<Principal>) {
    for (const p of principals) {
      for (const idf of p.identifiers) this.add(EXACT_KINDS.has(idf.kind) ? this.exact : this.folded, idf.value, p.id);
    }
  }

  lookup(id: string, issuer?: string): SubjectLookup {
    if (issuer !== undefined) {
      const bySub = this.exact.get(`${issuer}|${id}`);
      if (bySub !== undefined) return this.result(`${issuer}|${id}`, bySub);
    }
    if (id.startsWith('p_') && id.length === 18) return { principalId: id };
    const a = this.exact.get(id);
    const lower = id.toLowerCase();
    const b = this.folded.get(lower);
    let c: string | undefined;
    if (b === undefined && id.includes('=')) c = this.folded.get(normalizeDn(lower));
    const hits = [a, b, c].filter((x): x is string => x !== undefined);
    if (hits.length === 0) return null;
    const distinct = new Set(hits);
    if (distinct.size === 1 && !distinct.has(AMBIGUOUS)) return { principalId: hits[0]! };
    const owners = new Set<string>();
    for (const [key, v] of [[id, a], [lower, b], [normalizeDn(lower), c]] as const) {
      if (v === AMBIGUOUS) for (const o of this.owners.get(key) ?? []) owners.add(o);
      else if (v !== undefined) owners.add(v);
    }
    return { ambiguous: [...owners].sort() };
  }

  private result(key: string, v: string): SubjectLookup {
    return v === AMBIGUOUS ? { ambiguous: [...(this.owners.get(key) ?? [])].sort() } : { principalId: v };
  }

  private add(map: Map<string, string>, value: string, pid: string): void {
    const prev = map.get(value);
    if (prev === undefined) map.set(value, pid);
    else if (prev !== pid) {
      const owners = this.owners.get(value) ?? new Set(prev === AMBIGUOUS ? [] : [prev]);
      owners.add(pid);
      this.owners.set(value, owners);
      map.set(value, AMBIGUOUS);
    }
  }
}
