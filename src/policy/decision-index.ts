import type { GrantPath } from '../model/grant-path.js';
import type { IdentifierKind } from '../model/identifier.js';
import type { PrincipalBinding } from '../model/principal-binding.js';
import type { PrincipalStatus } from '../model/principal-status.js';
import type { ResolvedState } from '../resolve/resolved-state.js';
import type { CompiledPolicy } from './compiled-policy.js';
import { sameRoleIds, type RoleIds } from './role-ids.js';
import { ShardedMap, SHARDS } from './sharded-map.js';
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
}

/**
 * The decision index: one role-state version and one policy version, compiled together. The
 * responder swaps in a new index object whole (a policy reload, a rebuild) or patches this one
 * inside one synchronous step (a small role-state version), so every decision sees one
 * consistent (roleStateVersion, policyVersion) pair.
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
}

/** One principal's new state for a patch; null principal = gone. */
export interface PrincipalChange {
  readonly principalId: string;
  readonly principal: PrincipalBinding | null;
  readonly grants: ReadonlyMap<string, GrantPath> | undefined;
}

export function buildDecisionIndex(state: ResolvedState, roleStateVersion: number, policy: CompiledPolicy, ranks: ReadonlyMap<string, number>, settingsVersion?: number): DecisionIndex {
  const index: DecisionIndex = { roleStateVersion, policy, subjects: new SubjectIndex(), principals: new ShardedMap(), ranks, settingsVersion };
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
 * (O(1)-ish). Patches of the copy replace entries; an in-place follow of the original would
 * change entries the copy shares (see applyPreparedInPlace), so none runs while a copy is built.
 */
export function cloneDecisionIndex(index: DecisionIndex): DecisionIndex {
  return { ...index, subjects: index.subjects.clone(), principals: index.principals.clone() };
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
  const principals = index.principals;
  for (const c of changes) {
    const old = principals.get(c.principalId);
    if (old) index.subjects.remove(old.principalId, old.identifierValues);
    if (c.principal) {
      const e = entries(c.principal, c.grants);
      principals.set(c.principalId, e);
      index.subjects.add(e, e.identifierValues);
    } else principals.delete(c.principalId);
  }
  return { ...index, roleStateVersion: version };
}

/** A principal's new entry, made ahead of its apply (null: the principal is gone). */
export interface PreparedEntry {
  readonly principalId: string;
  readonly entry: SubjectEntry | null;
}

/** The entries of `changes`, made without touching any index: the slow part of a patch, done between requests. */
export const prepareEntries = (changes: readonly PrincipalChange[], entries: EntryMaker): PreparedEntry[] =>
  changes.map((c) => ({ principalId: c.principalId, entry: c.principal ? entries(c.principal, c.grants) : null }));

/**
 * Applies prepared entries to `index` itself, in one synchronous step, and returns it at
 * `version`. A principal whose identifier values are unchanged (nearly all: versions mostly move
 * roles and status) has its entry object updated in place: the subject and principal maps
 * already hold that object, so no map changes. Map operations on a 500k-key index cost about
 * 1 µs each on a small VM (cache misses), so removing and re-adding 5 identifiers took ~15 µs a
 * principal: 10k principals held requests for ~150 ms, against ~20 ms in place (measured).
 * Only for the index being answered: an index cloned from it before shares those entry objects
 * and would see the change too, so no clone may be kept across this.
 */
export function applyPreparedInPlace(index: DecisionIndex, version: number, prepared: readonly PreparedEntry[]): DecisionIndex {
  applyPrepared(index, prepared, true);
  return { ...index, roleStateVersion: version };
}

/** Puts prepared entries into `index` (a copy being built) by replacing entries, never changing one another index may share. */
export function patchWithPrepared(index: DecisionIndex, prepared: readonly PreparedEntry[]): void {
  applyPrepared(index, prepared, false);
}

/**
 * What applying `prepared` in place costs, in units of one entry updated where it stands (~2 µs):
 * a join, a leave or a changed identifier is removed from and added to the maps (~15 µs).
 */
export function inPlaceCost(index: DecisionIndex, prepared: readonly PreparedEntry[]): number {
  let cost = 0;
  for (const { principalId, entry } of prepared) {
    const old = index.principals.get(principalId);
    cost += old && entry && sameValues(old.identifierValues, entry.identifierValues) ? 1 : MAP_CHANGE_COST;
  }
  return cost;
}

const MAP_CHANGE_COST = 8;

function applyPrepared(index: DecisionIndex, prepared: readonly PreparedEntry[], updateInPlace: boolean): void {
  const principals = index.principals;
  for (const { principalId, entry } of prepared) {
    const old = principals.get(principalId);
    if (updateInPlace && old && entry && sameValues(old.identifierValues, entry.identifierValues)) {
      const target = old as { -readonly [K in keyof SubjectEntry]: SubjectEntry[K] };
      target.status = entry.status;
      target.roles = entry.roles;
      target.roleIds = entry.roleIds;
      target.sources = entry.sources;
      target.identifierKinds = entry.identifierKinds;
      continue;
    }
    if (old) index.subjects.remove(principalId, old.identifierValues);
    if (entry) {
      principals.set(principalId, entry);
      index.subjects.add(entry, entry.identifierValues);
    } else principals.delete(principalId);
  }
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The same principals and subjects under another policy (a policy reload keeps the role state).
 * Policies compiled against the same configured roles share role ids; otherwise the entries'
 * role ids are recomputed (a new index object, the old one untouched).
 */
export function withPolicy(index: DecisionIndex, policy: CompiledPolicy): DecisionIndex {
  if (sameRoleIds(index.policy.roleIds, policy.roleIds)) return { ...index, policy };
  const ids = new Map<readonly string[], readonly (number | undefined)[]>();
  const next: DecisionIndex = { ...index, policy, subjects: new SubjectIndex(), principals: new ShardedMap() };
  for (const e of index.principals.values()) {
    let roleIds = ids.get(e.roles);
    if (!roleIds) ids.set(e.roles, (roleIds = Object.freeze(e.roles.map((r) => policy.roleIds.get(r)))));
    const entry = { ...e, roleIds };
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
    if (e.roles.length === 0) return { ...e };
    const key = [...e.roles].sort().join('\u0000');
    let shared = lists.get(key);
    if (!shared) {
      const roles = Object.freeze([...e.roles].sort(byRank));
      lists.set(key, (shared = { roles, ids: Object.freeze(roles.map((r) => index.policy.roleIds.get(r))) }));
    }
    return { ...e, roles: shared.roles, roleIds: shared.ids };
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
    return { principalId: p.id, status: intern(p.status) as PrincipalStatus, roles, roleIds: ids, sources, identifierKinds, identifierValues };
  };
}

const NO_ROLES: readonly string[] = Object.freeze([]);
const NO_IDS: readonly (number | undefined)[] = Object.freeze([]);
