import type { Account } from '../model/account.js';
import type { GrantPath } from '../model/grant-path.js';
import type { Principal } from '../model/principal.js';
import { splitAccountKey } from './account-key.js';
import { ambiguousAliases } from './ambiguous-aliases.js';
import { assignPrincipalIds } from './assign-principal-ids.js';
import { buildPrincipal } from './build-principal.js';
import type { Conflict } from './conflict.js';
import { buildGrantContext } from './grant-context.js';
import { grantsForPrincipal } from './grants-for-principal.js';
import { linkIdentities } from './link-identities.js';
import { LinkIndex, linkKeys } from './link-index.js';
import type { ResolveRules } from './resolve-rules.js';
import type { ResolvedState } from './resolved-state.js';
import { buildRoleIndex, type RoleIndex } from './role-index.js';
import type { SourceState } from './source-state.js';

export type { ResolvedState };

/** What changed since the previous resolution, as the applier knows it from the raw diff. */
export interface ResolveChange {
  /** Accounts added, removed, or changed in data or direct memberships (account keys). */
  readonly dirtyAccounts: ReadonlySet<string>;
  /** Accounts were added or removed, or identifiers changed: identity linking must be redone. */
  readonly relink: boolean;
  /** The accounts that were added, removed or changed identifiers (account keys). */
  readonly relinkAccounts: ReadonlySet<string>;
  /** Groups or group nesting changed: the role index must be rebuilt. */
  readonly groupsChanged: boolean;
}

/**
 * The difference a resolution makes to the previous state, computed without copying it:
 * new values (null = gone) for the principals it touched, a whole new link map after a
 * relink, and the role index it used. The applier applies it in place after the commit.
 */
export interface ResolutionPatch {
  readonly principals: ReadonlyMap<string, Principal | null>;
  readonly grants: ReadonlyMap<string, ReadonlyMap<string, GrantPath> | null>;
  readonly links: ReadonlyMap<string, string> | null;
  /** Linking conflicts (ambiguous identifiers are added from the link index after the commit). */
  readonly conflicts: readonly Conflict[];
  readonly roleIndex: RoleIndex;
  /** Accounts whose link-index entries must be refreshed after the commit; null = rebuild it. */
  readonly relinked: ReadonlySet<string> | null;
}

/**
 * Pure resolution of all sources from scratch: link identities, build principals, expand nested
 * groups and map groups, attributes and static assignments to roles. `previousLinks` keeps
 * principal ids stable across runs.
 */
export function resolveState(sources: ReadonlyMap<string, SourceState>, rules: ResolveRules, previousLinks: ReadonlyMap<string, string>): ResolvedState {
  return resolveFull(sources, rules, previousLinks).state;
}

/**
 * `ambiguity: false` leaves out the ambiguous-alias conflicts: a caller that keeps a link index
 * (the applier) derives them from it after the commit, and finding them costs a pass over every
 * identifier of every principal.
 */
export function resolveFull(
  sources: ReadonlyMap<string, SourceState>,
  rules: ResolveRules,
  previousLinks: ReadonlyMap<string, string>,
  opts: { readonly ambiguity?: boolean } = {},
): { state: MutableResolvedState; roleIndex: RoleIndex } {
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
  const ambiguous = opts.ambiguity === false ? [] : ambiguousAliases(principals.values());
  return { state: { principals, principalOfAccount, grants, conflicts: [...conflicts, ...ambiguous] }, roleIndex };
}

/**
 * Resolution after a change, redoing only what the change can affect: linking when the set of
 * accounts or their identifiers changed, the role index when groups changed, and principals and
 * grants for the accounts involved (plus the members of groups whose conferred roles changed).
 */
export function resolveIncremental(
  prev: ResolvedState,
  prevIndex: RoleIndex,
  sources: ReadonlyMap<string, SourceState>,
  rules: ResolveRules,
  change: ResolveChange,
  linkIndex: LinkIndex | null = null,
): ResolutionPatch {
  const dirtyAccounts = new Set(change.dirtyAccounts);
  let roleIndex = prevIndex;
  if (change.groupsChanged) {
    roleIndex = buildRoleIndex(sources, rules);
    for (const [sourceId, groups] of changedGroups(prevIndex, roleIndex)) {
      const state = sources.get(sourceId);
      for (const g of groups) for (const id of state?.accountMembers.get(g)?.keys() ?? []) dirtyAccounts.add(`${sourceId}\u0000${id}`);
    }
  }
  const ctx = buildGrantContext(sources, rules, roleIndex);
  const accountOf = accountLookup(sources);
  const principals = new Map<string, Principal | null>();
  const grants = new Map<string, ReadonlyMap<string, GrantPath> | null>();
  const clusterOf = new Map<string, readonly string[]>();
  const dirty = new Set<string>();
  let links: Map<string, string> | null = null;
  let conflicts = prev.conflicts;

  let relinked: ReadonlySet<string> | null = new Set();
  const affected = change.relink && linkIndex ? affectedAccounts(change.relinkAccounts, prev, sources, rules, linkIndex) : null;
  if (change.relink && affected) {
    // Incremental: relink only the accounts the change can reach through shared link values.
    const subset = new Map<string, { accounts: Map<string, Account> }>();
    for (const key of affected) {
      const { source, externalId } = splitAccountKey(key);
      const account = sources.get(source)?.accounts.get(externalId);
      if (!account) continue;
      let s = subset.get(source);
      if (!s) subset.set(source, (s = { accounts: new Map() }));
      s.accounts.set(externalId, account);
    }
    const linked = linkIdentities(subset, rules.linking);
    const released = new Set<string>();
    for (const key of affected) {
      const pid = prev.principalOfAccount.get(key);
      if (pid !== undefined) released.add(pid);
    }
    const ids = assignPrincipalIds(linked.clusters, prev.principalOfAccount, (id) => prev.principals.has(id) && !released.has(id));
    links = new Map(prev.principalOfAccount);
    for (const key of affected) links.delete(key);
    const alive = new Set<string>();
    linked.clusters.forEach((cluster, i) => {
      const pid = ids[i]!;
      alive.add(pid);
      for (const key of cluster) links!.set(key, pid);
      dirty.add(pid);
      clusterOf.set(pid, cluster);
    });
    for (const pid of released) {
      if (alive.has(pid)) continue;
      principals.set(pid, null);
      grants.set(pid, null);
    }
    const readable = new Set([...affected].map((k) => k.replace('\u0000', ':')));
    conflicts = [...prev.conflicts.filter((c) => c.kind !== 'ambiguous-alias' && !c.accounts.some((a) => readable.has(a))), ...linked.conflicts];
    relinked = affected;
  } else if (change.relink) {
    const linked = linkIdentities(sources, rules.linking);
    const ids = assignPrincipalIds(linked.clusters, prev.principalOfAccount);
    links = new Map();
    const alive = new Set<string>();
    linked.clusters.forEach((cluster, i) => {
      const pid = ids[i]!;
      alive.add(pid);
      for (const key of cluster) links!.set(key, pid);
      const before = prev.principals.get(pid);
      const same = before !== undefined && before.accounts.length === cluster.length && cluster.every((k) => prev.principalOfAccount.get(k) === pid);
      if (!same) {
        dirty.add(pid);
        clusterOf.set(pid, cluster);
      }
    });
    for (const pid of prev.principals.keys()) {
      if (alive.has(pid)) continue;
      principals.set(pid, null);
      grants.set(pid, null);
    }
    conflicts = linked.conflicts;
    relinked = null;
  }
  const linkOf = links ?? prev.principalOfAccount;
  for (const key of dirtyAccounts) {
    const pid = linkOf.get(key);
    if (pid !== undefined) dirty.add(pid);
  }
  for (const pid of dirty) {
    const cluster = clusterOf.get(pid) ?? prev.principals.get(pid)?.accounts.map((a) => `${a.source}\u0000${a.externalId}`);
    if (!cluster) continue;
    const p = buildPrincipal(pid, cluster, accountOf);
    principals.set(pid, p);
    const g = grantsForPrincipal(p, ctx);
    grants.set(pid, g.size ? g : null);
  }
  return { principals, grants, links, conflicts: conflicts.filter((c) => c.kind !== 'ambiguous-alias'), roleIndex, relinked };
}

/** Above this share of all accounts an incremental relink is not worth it: relink everything. */
const INCREMENTAL_RELINK_LIMIT = 0.2;

/**
 * The accounts a relink must reconsider: the changed ones, every account of their previous
 * principals, and (transitively) every account sharing a link value with any of them, old or new.
 * Null when that is too large a share of the directory.
 */
function affectedAccounts(
  changed: ReadonlySet<string>,
  prev: ResolvedState,
  sources: ReadonlyMap<string, SourceState>,
  rules: ResolveRules,
  index: LinkIndex,
): Set<string> | null {
  const limit = Math.max(1000, INCREMENTAL_RELINK_LIMIT * index.keysOf.size);
  const affected = new Set<string>();
  const queue = [...changed];
  while (queue.length) {
    const key = queue.pop()!;
    if (affected.has(key)) continue;
    affected.add(key);
    if (affected.size > limit) return null;
    const pid = prev.principalOfAccount.get(key);
    for (const a of (pid ? prev.principals.get(pid)?.accounts : undefined) ?? []) queue.push(`${a.source}\u0000${a.externalId}`);
    const { source, externalId } = splitAccountKey(key);
    const account = sources.get(source)?.accounts.get(externalId);
    const values = [...(index.keysOf.get(key) ?? []), ...(account ? linkKeys(source, account, rules.linking) : [])];
    for (const v of values) for (const other of index.accountsWith(v)) queue.push(other);
  }
  return affected;
}

/** Applies a patch to a mutable resolved state, in place. */
export function applyResolutionPatch(state: MutableResolvedState, patch: ResolutionPatch): void {
  patch.principals.forEach((p, pid) => (p ? state.principals.set(pid, p) : state.principals.delete(pid)));
  patch.grants.forEach((g, pid) => (g ? state.grants.set(pid, g) : state.grants.delete(pid)));
  if (patch.links) state.principalOfAccount = patch.links;
  state.conflicts = patch.conflicts;
}

/** The applier's live resolved state: patched in place after each commit. */
export interface MutableResolvedState extends ResolvedState {
  readonly principals: Map<string, Principal>;
  readonly grants: Map<string, ReadonlyMap<string, GrantPath>>;
  principalOfAccount: ReadonlyMap<string, string>;
  conflicts: readonly Conflict[];
}

/** A whole new resolution as a patch over `previous` (every principal, removals included). */
export function patchFromFull(full: { state: ResolvedState; roleIndex: RoleIndex }, previousPrincipals: Iterable<string>): ResolutionPatch {
  const principals = new Map<string, Principal | null>(full.state.principals);
  const grants = new Map<string, ReadonlyMap<string, GrantPath> | null>();
  for (const pid of previousPrincipals) if (!principals.has(pid)) principals.set(pid, null);
  for (const pid of principals.keys()) grants.set(pid, full.state.grants.get(pid) ?? null);
  return { principals, grants, links: full.state.principalOfAccount, conflicts: full.state.conflicts.filter((c) => c.kind !== 'ambiguous-alias'), roleIndex: full.roleIndex, relinked: null };
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
