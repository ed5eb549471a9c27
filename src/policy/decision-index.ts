import type { GrantPath } from '../model/grant-path.js';
import type { IdentifierKind } from '../model/identifier.js';
import type { PrincipalBinding } from '../model/principal-binding.js';
import type { PrincipalStatus } from '../model/principal-status.js';
import type { ResolvedState } from '../resolve/resolved-state.js';
import type { CompiledPolicy } from './compiled-policy.js';
import { sameRoleIds, type RoleIds } from './role-ids.js';
import { ShardedMap, SHARDS } from './sharded-map.js';
import { entryAt, keepsIdentifiers } from './staged-entries.js';
import { SubjectIndex } from './subject-index.js';

/** A principal as decisions need it: status, roles by descending rank, the sources behind them. */
export interface SubjectEntry {
  readonly principalId: string;
  readonly status: PrincipalStatus;
  /** Role names, highest rank first (ties by name). */
  readonly roles: readonly string[];
  /** The same roles as role ids of `index.policy.roleIds` (undefined for an unconfigured role). */
  readonly roleIds: readonly (number | undefined)[];
  /** Sources that grant any of the roles (static config grants excluded: they cannot go stale). */
  readonly sources: readonly string[];
  /** The principal's identifiers as two parallel arrays: 300k small objects cost ~12 MB of a 100k-principal index; the kinds are shared. */
  readonly identifierKinds: readonly IdentifierKind[];
  readonly identifierValues: readonly string[];
  /** This principal's entry at a newer version, while a follow is under way (staged-entries.ts); read through entryAt. */
  readonly staged: StagedEntry | undefined;
}

/** A principal's entry at `version`, staged on the entry the maps hold. */
export interface StagedEntry {
  readonly version: number;
  readonly entry: SubjectEntry;
}

/**
 * The decision index: one role-state version and one policy version, compiled together. The
 * responder swaps in a new index object whole (a policy reload, a rebuild, a version that changes
 * many identifiers) or moves this one to a new version in one synchronous step (entries staged
 * beforehand, see staged-entries.ts), so every decision sees one consistent (roleStateVersion,
 * policyVersion) pair.
 */
export interface DecisionIndex {
  readonly roleStateVersion: number;
  readonly policy: CompiledPolicy;
  readonly subjects: SubjectIndex<SubjectEntry>;
  /** By principal id. Written only by the patch functions here (and builders), never by readers. */
  readonly principals: ShardedMap<SubjectEntry>;
  readonly ranks: ReadonlyMap<string, number>;
  /** The store's number for the decision settings the ranks come from (recorded with each decision). */
  readonly settingsVersion?: number;
  /** Entries with a staged entry not yet folded into them (see settleStaged). Shared by the objects of one index. */
  readonly unsettled: StagedList;
}

/** The entries staged on one index, and the newest version any object of that index has been moved to. */
export interface StagedList {
  readonly entries: SubjectEntry[];
  /** Set by applyPreparedInPlace: what settling judges staged entries by, whichever object of the index it is given. */
  reached: number;
}

/** One principal's new state for a patch; null principal = gone. */
export interface PrincipalChange {
  readonly principalId: string;
  readonly principal: PrincipalBinding | null;
  readonly grants: ReadonlyMap<string, GrantPath> | undefined;
}

export function buildDecisionIndex(state: ResolvedState, roleStateVersion: number, policy: CompiledPolicy, ranks: ReadonlyMap<string, number>, settingsVersion?: number): DecisionIndex {
  const index: DecisionIndex = { roleStateVersion, policy, subjects: new SubjectIndex(), principals: new ShardedMap(), ranks, settingsVersion, unsettled: { entries: [], reached: roleStateVersion } };
  const entries = entryMaker(ranks, policy.roleIds);
  const principals = index.principals;
  for (const p of state.principals.values()) {
    const e = entries(p, state.grants.get(p.id));
    principals.set(p.id, e);
    index.subjects.add(e, e.identifierValues);
  }
  return index;
}

/**
 * A copy of the index to patch while this one keeps answering: shares all data until written
 * (O(1)-ish). Patches of the copy replace entries; staging on the original would change entries
 * the copy shares (see stageEntries), so none runs while a copy is built, and none may be
 * unsettled when it is taken.
 */
export function cloneDecisionIndex(index: DecisionIndex): DecisionIndex {
  if (index.unsettled.entries.length > 0) throw new Error('cloneDecisionIndex: settle the staged entries first');
  return { ...index, subjects: index.subjects.clone(), principals: index.principals.clone(), unsettled: { entries: [], reached: index.roleStateVersion } };
}

/**
 * Makes a clone's shards its own, one shard of each map per step (each step well under a
 * millisecond), for a writer about to change most of them: the caller yields between steps.
 */
export function* ownDecisionIndexShards(index: DecisionIndex): Generator<void> {
  for (let i = 0; i < SHARDS; i++) {
    index.principals.own(i);
    index.subjects.ownShard(i);
    yield;
  }
}

/** Makes index entries, sharing strings and lists among all it makes (see entryMaker). */
export type EntryMaker = ReturnType<typeof entryMaker>;

/** One entry maker for a patch applied in many steps, so the steps share strings and lists like one call. */
export const entryMakerFor = (index: DecisionIndex): EntryMaker => entryMaker(index.ranks, index.policy.roleIds);

/** Applies the changes of newer role-state versions in place; returns the index at `version`. */
export function patchDecisionIndex(index: DecisionIndex, version: number, changes: Iterable<PrincipalChange>, entries: EntryMaker = entryMakerFor(index)): DecisionIndex {
  patchWithPrepared(index, (function* () {
    for (const c of changes) yield preparedOf(c, entries);
  })());
  return { ...index, roleStateVersion: version };
}

/** A principal's new entry, made ahead of its apply (null: the principal is gone). */
export interface PreparedEntry {
  readonly principalId: string;
  readonly entry: SubjectEntry | null;
}

/** The entries of `changes`, made without touching any index: the slow part of a patch, done between requests. */
export const prepareEntries = (changes: readonly PrincipalChange[], entries: EntryMaker): PreparedEntry[] => changes.map((c) => preparedOf(c, entries));

const preparedOf = (c: PrincipalChange, entries: EntryMaker): PreparedEntry => ({ principalId: c.principalId, entry: c.principal ? entries(c.principal, c.grants) : null });

/**
 * Applies prepared entries that change the maps (joins, leaves, changed identifiers: the ones
 * stageEntries left) to `index` itself, and returns it at `version`, in one synchronous step with
 * nothing else: entries staged at `version` take effect in the same step. Map operations on a
 * 500k-key index cost ~1 µs each on a small VM (cache misses): ~15 µs a principal.
 */
export function applyPreparedInPlace(index: DecisionIndex, version: number, prepared: readonly PreparedEntry[]): DecisionIndex {
  patchWithPrepared(index, prepared);
  index.unsettled.reached = Math.max(index.unsettled.reached, version);
  return { ...index, roleStateVersion: version };
}

/** Puts prepared entries into `index` by replacing entries, never changing one another index may share. */
export function patchWithPrepared(index: DecisionIndex, prepared: Iterable<PreparedEntry>): void {
  const principals = index.principals;
  for (const { principalId, entry } of prepared) {
    const old = principals.get(principalId);
    if (old) index.subjects.remove(principalId, old.identifierValues);
    if (entry) {
      principals.set(principalId, entry);
      index.subjects.add(entry, entry.identifierValues);
    } else principals.delete(principalId);
  }
}

/**
 * What the step that moves the index to the prepared version costs, in units of ~2 µs: a join, a
 * leave or a changed identifier changes the maps (~15 µs); an entry staged beforehand costs nothing.
 */
export function inPlaceCost(index: DecisionIndex, prepared: readonly PreparedEntry[]): number {
  let cost = 0;
  for (const { principalId, entry } of prepared) if (!keepsIdentifiers(index.principals.get(principalId), entry)) cost += MAP_CHANGE_COST;
  return cost;
}

const MAP_CHANGE_COST = 8;

/**
 * The same principals and subjects under another policy (a policy reload keeps the role state).
 * Policies compiled against the same configured roles share role ids; otherwise the entries'
 * role ids are recomputed (a new index object, the old one untouched).
 */
export function withPolicy(index: DecisionIndex, policy: CompiledPolicy): DecisionIndex {
  if (sameRoleIds(index.policy.roleIds, policy.roleIds)) return { ...index, policy };
  const ids = new Map<readonly string[], readonly (number | undefined)[]>();
  const next: DecisionIndex = { ...index, policy, subjects: new SubjectIndex(), principals: new ShardedMap(), unsettled: { entries: [], reached: index.roleStateVersion } };
  for (const held of index.principals.values()) {
    const e = entryAt(index, held);
    let roleIds = ids.get(e.roles);
    if (!roleIds) ids.set(e.roles, (roleIds = Object.freeze(e.roles.map((r) => policy.roleIds.get(r)))));
    const entry: SubjectEntry = { ...e, roleIds, staged: undefined };
    next.principals.set(e.principalId, entry);
    next.subjects.add(entry, entry.identifierValues);
  }
  return next;
}

/**
 * Remakes entries made under other ranks or role ids under this index's (a reload that changed
 * ranks): the same roles in the new order, with the new policy's ids; status, sources and
 * identifiers as they were. No store reads: new ranks and a new policy change an unchanged
 * principal's entry only so. Every entry is a new object, so the index the old ones belong to
 * keeps answering unchanged.
 */
export function rerankerFor(index: DecisionIndex): (e: SubjectEntry) => SubjectEntry {
  const byRank = rankOrder(index.ranks);
  const lists = new Map<string, { roles: readonly string[]; ids: readonly (number | undefined)[] }>();
  return (e) => {
    if (e.roles.length === 0) return { ...e, staged: undefined };
    const key = [...e.roles].sort().join('\u0000');
    let shared = lists.get(key);
    if (!shared) {
      const roles = Object.freeze([...e.roles].sort(byRank));
      lists.set(key, (shared = { roles, ids: Object.freeze(roles.map((r) => index.policy.roleIds.get(r))) }));
    }
    return { ...e, roles: shared.roles, roleIds: shared.ids, staged: undefined };
  };
}

/** Highest rank first, ties by name. */
const rankOrder = (ranks: ReadonlyMap<string, number>) => (a: string, b: string): number => (ranks.get(b) ?? 0) - (ranks.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0);

function entryMaker(ranks: ReadonlyMap<string, number>, roleIds: RoleIds): (p: PrincipalBinding, grants: ReadonlyMap<string, GrantPath> | undefined) => SubjectEntry {
  const byRank = rankOrder(ranks);
  // One value per key, made on first use: the shared strings and frozen arrays below.
  const once = <T>(seen: Map<string, T>, key: string, make: () => T): T => {
    let v = seen.get(key);
    if (v === undefined) seen.set(key, (v = make()));
    return v;
  };
  // Rows read from the store carry a fresh string per role name, status and source: 100k
  // principals held ~530k copies of "role-N" (12 MB). Keep one of each.
  const strings = new Map<string, string>();
  const intern = (v: string): string => once(strings, v, () => v);
  // Principals often hold the same role set, source set or identifier kinds: one frozen array per distinct set.
  const roleLists = new Map<string, { roles: readonly string[]; ids: readonly (number | undefined)[] }>();
  const sourceLists = new Map<string, readonly string[]>();
  const kindLists = new Map<string, readonly IdentifierKind[]>();
  return (p, grants) => {
    let roles: readonly string[] = NO_ROLES;
    let ids: readonly (number | undefined)[] = NO_IDS;
    let sources: readonly string[] = NO_ROLES;
    if (grants && grants.size) {
      const names = [...grants.keys()];
      const shared = once(roleLists, names.join('\u0000'), () => {
        const sorted = Object.freeze(names.map(intern).sort(byRank));
        return { roles: sorted, ids: Object.freeze(sorted.map((r) => roleIds.get(r))) };
      });
      roles = shared.roles;
      ids = shared.ids;
      const s = new Set<string>();
      for (const path of grants.values()) if (path.via !== 'static') s.add(path.source);
      sources = once(sourceLists, [...s].join('\u0000'), () => Object.freeze([...s].map(intern)));
    }
    const kinds = p.identifiers.map((i) => i.kind);
    const identifierKinds = once(kindLists, kinds.join(','), () => Object.freeze(kinds));
    const identifierValues = Object.freeze(p.identifiers.map((i) => i.value));
    return { principalId: p.id, status: intern(p.status) as PrincipalStatus, roles, roleIds: ids, sources, identifierKinds, identifierValues, staged: undefined };
  };
}

const NO_ROLES: readonly string[] = Object.freeze([]);
const NO_IDS: readonly (number | undefined)[] = Object.freeze([]);
