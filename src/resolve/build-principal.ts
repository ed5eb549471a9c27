import type { Account } from '../model/account.js';
import type { AttributeValues } from '../model/attribute-values.js';
import type { Identifier } from '../model/identifier.js';
import type { AccountRef, Principal } from '../model/principal.js';
import type { PrincipalKind } from '../model/principal-kind.js';
import { STATUS_SEVERITY, type PrincipalStatus } from '../model/principal-status.js';
import { splitAccountKey } from './account-key.js';
import { normalizeIdentifier } from './normalize-identifier.js';

const KIND_PRECEDENCE: Readonly<Record<PrincipalKind, number>> = { human: 0, service: 1, agent: 2 };

/**
 * Merges the accounts of one cluster into a principal. Status is the most restrictive of its
 * accounts (a person disabled in one directory is not active because another still says so).
 */
export function buildPrincipal(
  id: string,
  cluster: readonly string[],
  accountOf: (key: string) => Account,
): Principal {
  let kind: PrincipalKind = 'human';
  let status: PrincipalStatus = 'active';
  let displayName = '';
  const accounts: AccountRef[] = [];
  const identifiers: Identifier[] = [];
  const seen = new Set<string>();
  const attributes: Record<string, AttributeValues> = {};
  for (const key of cluster) {
    const ref = splitAccountKey(key);
    const account = accountOf(key);
    // The account's own strings, not slices of the cluster key (a slice keeps the key alive).
    accounts.push({ externalId: account.externalId, source: internSource(ref.source) });
    if (KIND_PRECEDENCE[account.kind] > KIND_PRECEDENCE[kind]) kind = account.kind;
    if (STATUS_SEVERITY[account.status] > STATUS_SEVERITY[status]) status = account.status;
    if (!displayName && account.displayName) displayName = account.displayName;
    for (const idf of account.identifiers) {
      const value = normalizeIdentifier(idf.kind, idf.value);
      const k = `${idf.kind}:${value}`;
      if (!value || seen.has(k)) continue;
      seen.add(k);
      // Already canonical (and not marked verified, which a principal leaves out): share the
      // account's object; else share at least its string when equal.
      const same = value === idf.value;
      identifiers.push(same && idf.verified === undefined ? idf : { kind: idf.kind, value: same ? idf.value : value });
    }
    attributes[ref.source] = account.attributes;
  }
  // Insertion sort: a principal has a handful of identifiers, and Array.prototype.sort allocates
  // work arrays on every call (80 MB over an initial 100k-principal resolution).
  if (identifiers.length > 32) identifiers.sort(compareIdentifiers);
  else for (let i = 1; i < identifiers.length; i++) {
    const x = identifiers[i]!;
    let j = i - 1;
    for (; j >= 0 && compareIdentifiers(identifiers[j]!, x) > 0; j--) identifiers[j + 1] = identifiers[j]!;
    identifiers[j + 1] = x;
  }
  // Keys in sorted order: JSON.stringify of a principal is its canonical JSON.
  return { accounts, attributes, displayName: displayName || identifiers[0]?.value || id, id, identifiers, kind, status };
}

/** One string per source id (a handful), shared by every principal's account refs. */
const sources = new Map<string, string>();
function internSource(source: string): string {
  let s = sources.get(source);
  if (s === undefined) sources.set(source, (s = source));
  return s;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const compareIdentifiers = (a: Identifier, b: Identifier): number => (a.kind === b.kind ? cmp(a.value, b.value) : cmp(a.kind, b.kind));
