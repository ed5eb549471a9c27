import type { Account } from '../model/account.js';
import type { GrantPath } from '../model/grant-path.js';
import type { Principal } from '../model/principal.js';
import { splitAccountKey } from './account-key.js';
import { ambiguousAliases } from './ambiguous-aliases.js';
import { assignPrincipalIds } from './assign-principal-ids.js';
import { buildPrincipal } from './build-principal.js';
import { buildGrantContext } from './grant-context.js';
import { grantsForPrincipal } from './grants-for-principal.js';
import { linkIdentities } from './link-identities.js';
import type { ResolveRules } from './resolve-rules.js';
import type { ResolvedState } from './resolved-state.js';
import { buildRoleIndex, type RoleIndex } from './role-index.js';
import type { SourceState } from './source-state.js';

export type { ResolvedState };

/** What changed since `previous` was resolved, as the applier knows it from the raw diff. */
export interface ResolveChange {
  /** Accounts added, removed, or changed in data or direct memberships (account keys). */
  readonly dirtyAccounts: ReadonlySet<string>;
  /** Accounts were added or removed, or identifiers changed: identity linking must be redone. */
  readonly relink: boolean;
  /** Groups or group nesting changed: the role index must be rebuilt. */
  readonly groupsChanged: boolean;
}

export interface Resolution {
  readonly state: ResolvedState;
  readonly roleIndex: RoleIndex;
  /** Principals whose data or grants may differ from before (including removed ones). */
  readonly dirtyPrincipals: ReadonlySet<string> | 'all';
}

/**
 * Pure resolution of all sources from scratch: link identities, build principals, expand nested
 * groups and map groups, attributes and static assignments to roles. `previousLinks` keeps
 * principal ids stable across runs.
 */
export function resolveState(sources: ReadonlyMap<string, SourceState>, rules: ResolveRules, previousLinks: ReadonlyMap<string, string>): ResolvedState {
  return resolveFull(sources, rules, previousLinks).state;
}

export function resolveFull(sources: ReadonlyMap<string, SourceState>, rules: ResolveRules, previousLinks: ReadonlyMap<string, string>): Resolution {
  const roleIndex = buildRoleIndex(sources, rules);
  const ctx = buildGrantContext(sources, rules, roleIndex);
  const { clusters, conflicts } = linkIdentities(sources, rules.linking);
  const ids = assignPrincipalIds(clusters, previousLinks);
  const principals = new Map<string, Principal>();
  const principalOfAccount = new Map<string, string>();
  const grants = new Map<string, ReadonlyMap<string, GrantPath>>();
  const accountOf = accountLookup(sources);
  clusters.forEach((cluster, i) => {
    const p = buildPrincipal(ids[i]!, cluster, accountOf);
    principals.set(p.id, p);
    for (const key of cluster) principalOfAccount.set(key, p.id);
    const g = grantsForPrincipal(p, ctx);
    if (g.size) grants.set(p.id, g);
  });
  return {
    state: { principals, principalOfAccount, grants, conflicts: [...conflicts, ...ambiguousAliases(principals.values())] },
    roleIndex,
    dirtyPrincipals: 'all',
  };
}

/**
 * Resolution after a change, redoing only what the change can affect: linking when the set of
 * accounts or their identifiers changed, the role index when groups changed, and principals and
 * grants for the accounts involved (plus the members of groups whose conferred roles changed).
 */
export function resolveIncremental(
  previous: Resolution,
  sources: ReadonlyMap<string, SourceState>,
  rules: ResolveRules,
  change: ResolveChange,
): Resolution {
  const prev = previous.state;
  const dirtyAccounts = new Set(change.dirtyAccounts);
  let roleIndex = previous.roleIndex;
  if (change.groupsChanged) {
    roleIndex = buildRoleIndex(sources, rules);
    for (const [sourceId, groups] of changedGroups(previous.roleIndex, roleIndex)) {
      const state = sources.get(sourceId);
      for (const g of groups) {
        for (const id of state?.accountMembers.get(g)?.keys() ?? []) dirtyAccounts.add(`${sourceId}\u0000${id}`);
      }
    }
  }
  const ctx = buildGrantContext(sources, rules, roleIndex);
  const accountOf = accountLookup(sources);
  const principals = new Map(prev.principals);
  const grants = new Map(prev.grants);
  const dirty = new Set<string>();
  const clusterOf = new Map<string, readonly string[]>();
  let principalOfAccount = prev.principalOfAccount;
  let conflicts = prev.conflicts;

  if (change.relink) {
    const { clusters, conflicts: linkConflicts } = linkIdentities(sources, rules.linking);
    const ids = assignPrincipalIds(clusters, prev.principalOfAccount);
    const links = new Map<string, string>();
    const alive = new Set<string>();
    clusters.forEach((cluster, i) => {
      const pid = ids[i]!;
      alive.add(pid);
      for (const key of cluster) links.set(key, pid);
      const before = prev.principals.get(pid);
      const same = before !== undefined && before.accounts.length === cluster.length && cluster.every((k) => prev.principalOfAccount.get(k) === pid);
      if (!same) {
        dirty.add(pid);
        clusterOf.set(pid, cluster);
      }
    });
    for (const pid of prev.principals.keys()) {
      if (!alive.has(pid)) {
        dirty.add(pid);
        principals.delete(pid);
        grants.delete(pid);
      }
    }
    principalOfAccount = links;
    conflicts = linkConflicts;
  }
  for (const key of dirtyAccounts) {
    const pid = principalOfAccount.get(key);
    if (pid !== undefined) dirty.add(pid);
  }
  for (const pid of dirty) {
    const before = prev.principals.get(pid);
    const cluster = clusterOf.get(pid) ?? before?.accounts.map((a) => `${a.source}\u0000${a.externalId}`);
    if (!cluster || !cluster.every((k) => principalOfAccount.get(k) === pid)) continue;
    const p = buildPrincipal(pid, cluster, accountOf);
    principals.set(pid, p);
    const g = grantsForPrincipal(p, ctx);
    if (g.size) grants.set(pid, g);
    else grants.delete(pid);
  }
  // Identifiers only change with a relink, so ambiguity can only change then.
  if (change.relink) conflicts = [...conflicts, ...ambiguousAliases(principals.values())];
  return { state: { principals, principalOfAccount, grants, conflicts }, roleIndex, dirtyPrincipals: dirty };
}

function accountLookup(sources: ReadonlyMap<string, SourceState>): (key: string) => Account {
  return (key) => {
    const { source, externalId } = splitAccountKey(key);
    return sources.get(source)!.accounts.get(externalId)!;
  };
}

/** Per source, the groups whose conferred roles differ between two role indexes. */
function changedGroups(before: RoleIndex, after: RoleIndex): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const sig = (list: readonly { role: string; entry: number; chain: readonly string[] }[] | undefined): string =>
    list ? list.map((g) => `${g.role}\u0001${g.entry}\u0001${g.chain.join('\u0002')}`).sort().join('\u0003') : '';
  for (const sourceId of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(sourceId) ?? new Map();
    const a = after.get(sourceId) ?? new Map();
    const changed = new Set<string>();
    for (const g of new Set([...b.keys(), ...a.keys()])) if (sig(b.get(g)) !== sig(a.get(g))) changed.add(g);
    if (changed.size) out.set(sourceId, changed);
  }
  return out;
}
