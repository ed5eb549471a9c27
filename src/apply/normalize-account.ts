import type { Account } from '../model/account.js';
import type { Identifier } from '../model/identifier.js';
import type { Group } from '../model/group.js';

/**
 * An account in canonical order: identifiers sorted and de-duplicated, multi-valued attributes
 * sorted (directories do not order them), so a re-read of an unchanged entry is unchanged.
 * Object keys come out sorted, so `JSON.stringify` of the result is canonical JSON.
 */
export function normalizeAccount(a: Account): Account {
  const ids = new Map<string, Identifier>();
  for (const idf of a.identifiers) {
    if (!idf.value) continue;
    const k = `${idf.kind}\u0000${idf.value}`;
    if (!ids.has(k) || idf.verified) ids.set(k, idf.verified ? { kind: idf.kind, value: idf.value, verified: true } : { kind: idf.kind, value: idf.value });
  }
  const attributes: Record<string, string | string[]> = {};
  for (const k of Object.keys(a.attributes).sort()) {
    const v = a.attributes[k]!;
    attributes[k] = typeof v === 'string' ? v : [...v].sort();
  }
  const identifiers = [...ids.values()].sort((x, y) => (x.kind + '\u0000' + x.value < y.kind + '\u0000' + y.value ? -1 : 1));
  // Keys in sorted order, so JSON.stringify of the result is its canonical JSON.
  return a.displayName
    ? { attributes, displayName: a.displayName, externalId: a.externalId, identifiers, kind: a.kind, status: a.status }
    : { attributes, externalId: a.externalId, identifiers, kind: a.kind, status: a.status };
}

export function normalizeGroup(g: Group): Group {
  return g.dn ? { dn: g.dn, externalId: g.externalId, name: g.name } : { externalId: g.externalId, name: g.name };
}
