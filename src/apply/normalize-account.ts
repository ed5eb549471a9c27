import type { Account } from '../model/account.js';
import type { Identifier } from '../model/identifier.js';
import type { Group } from '../model/group.js';

/**
 * An account in canonical order: identifiers sorted and de-duplicated, multi-valued attributes
 * sorted (directories do not order them), so a re-read of an unchanged entry is unchanged.
 */
export function normalizeAccount(a: Account): Account {
  const ids = new Map<string, Identifier>();
  for (const idf of a.identifiers) {
    if (!idf.value) continue;
    const k = `${idf.kind}\u0000${idf.value}`;
    if (!ids.has(k) || idf.verified) ids.set(k, idf.verified ? { kind: idf.kind, value: idf.value, verified: true } : { kind: idf.kind, value: idf.value });
  }
  const attributes: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(a.attributes)) {
    attributes[k] = typeof v === 'string' ? v : [...v].sort();
  }
  const out: { -readonly [K in keyof Account]: Account[K] } = {
    externalId: a.externalId,
    kind: a.kind,
    status: a.status,
    identifiers: [...ids.values()].sort((x, y) => (x.kind + '\u0000' + x.value < y.kind + '\u0000' + y.value ? -1 : 1)),
    attributes,
  };
  if (a.displayName) out.displayName = a.displayName;
  return out;
}

export function normalizeGroup(g: Group): Group {
  return g.dn ? { externalId: g.externalId, name: g.name, dn: g.dn } : { externalId: g.externalId, name: g.name };
}
