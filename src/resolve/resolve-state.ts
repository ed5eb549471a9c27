import type { Account } from '../model/account.js';
import type { Principal } from '../model/principal.js';
import { splitAccountKey } from './account-key.js';
import { assignPrincipalIds } from './assign-principal-ids.js';
import { buildPrincipal } from './build-principal.js';
import type { Conflict } from './conflict.js';
import { linkIdentities } from './link-identities.js';
import { mapRoles, type GrantMap } from './map-roles.js';
import type { ResolveRules } from './resolve-rules.js';
import type { SourceState } from './source-state.js';

/** The resolved role state: who exists, which accounts are whose, and who holds which role why. */
export interface ResolvedState {
  readonly principals: ReadonlyMap<string, Principal>;
  /** accountKey(source, externalId) -> principal id. */
  readonly principalOfAccount: ReadonlyMap<string, string>;
  readonly grants: GrantMap;
  readonly conflicts: readonly Conflict[];
}

/**
 * Pure resolution of all sources: link identities, build principals, expand nested groups and
 * map groups, attributes and static assignments to roles. `previousLinks` keeps principal ids
 * stable across runs.
 */
export function resolveState(
  sources: ReadonlyMap<string, SourceState>,
  rules: ResolveRules,
  previousLinks: ReadonlyMap<string, string>,
): ResolvedState {
  const { clusters, conflicts } = linkIdentities(sources, rules.linking);
  const ids = assignPrincipalIds(clusters, previousLinks);
  const accountOf = (key: string): Account => {
    const { source, externalId } = splitAccountKey(key);
    return sources.get(source)!.accounts.get(externalId)!;
  };
  const principals = new Map<string, Principal>();
  const principalOfAccount = new Map<string, string>();
  clusters.forEach((cluster, i) => {
    const id = ids[i]!;
    principals.set(id, buildPrincipal(id, cluster, accountOf));
    for (const key of cluster) principalOfAccount.set(key, id);
  });
  const grants = mapRoles(sources, rules.roles, rules.directRoleSources ?? [], principals, principalOfAccount);
  return { principals, principalOfAccount, grants, conflicts: [...conflicts, ...ambiguousAliases(principals)] };
}

/** Identifiers that two principals both carry: a gateway presenting one cannot be bound safely. */
function ambiguousAliases(principals: ReadonlyMap<string, Principal>): Conflict[] {
  const owner = new Map<string, string>();
  const clashes = new Map<string, Set<string>>();
  for (const p of principals.values()) {
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

