import type { Principal } from '../model/principal.js';
import type { Conflict } from './conflict.js';

/** Identifiers that two principals both carry: a gateway presenting one cannot be bound safely. */
export function ambiguousAliases(principals: Iterable<Principal>): Conflict[] {
  const owner = new Map<string, string>();
  const clashes = new Map<string, Set<string>>();
  for (const p of principals) {
    for (const idf of p.identifiers) {
      const k = `${idf.kind}:${idf.value}`;
      const o = owner.get(k);
      if (o === undefined) owner.set(k, p.id);
      else if (o !== p.id) {
        const s = clashes.get(k) ?? new Set([o]);
        s.add(p.id);
        clashes.set(k, s);
      }
    }
  }
  return [...clashes].map(([identifier, pids]) => ({
    kind: 'ambiguous-alias' as const,
    identifier,
    accounts: [...pids].sort(),
    message: `identifier ${identifier} belongs to ${pids.size} principals; decisions for it are denied`,
  }));
}
