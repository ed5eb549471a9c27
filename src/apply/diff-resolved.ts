import type { ChangeSet } from '../model/change-set.js';
import type { GrantPath } from '../model/grant-path.js';
import type { Principal } from '../model/principal.js';
import { splitAccountKey } from '../resolve/account-key.js';
import type { ResolutionPatch } from '../resolve/resolve-state.js';
import type { ResolvedState } from '../resolve/resolved-state.js';
import { canonicalJson } from './canonical-json.js';
import { jsonDigest } from './json-digest.js';
import { KeyedRows } from './keyed-rows.js';
import { aliasKey, type AliasPair, type ResolvedCache } from './resolved-cache.js';

type Resolved = Pick<ChangeSet, 'principals' | 'links' | 'aliases' | 'grants'>;
type PrincipalRow = { readonly id: string; readonly data: string };
type AliasRow = { readonly kind: string; readonly value: string; readonly principalId: string };
type GrantRow = { readonly principalId: string; readonly role: string; readonly path: string };
type LinkRow = { readonly source: string; readonly externalId: string; readonly principalId: string };

/**
 * Diffs a resolution patch against the committed (cached) state: the resolved half of a change
 * set, and a function that brings the cache up to date once that change set is committed.
 * Only the principals the patch touches are compared; `all` also compares every cached one
 * (at start and after a rule change, when the patch is a whole new resolution). A principal the
 * cache does not have yet starts all its rows; those rows are made as the store reads them
 * (KeyedRows), so an initial apply never holds 100k principals' JSON, 500k aliases and 500k grants at once.
 */
export function diffResolved(
  cache: ResolvedCache,
  current: ResolvedState,
  patch: ResolutionPatch,
  all: boolean,
): { changes: Resolved; updateCache: () => void } {
  /** Digests of new principals' JSON, taken when their rows are made (updateCache takes them from here, or makes them). */
  const madeDigests = new Map<string, string>();
  const principals = { ended: [] as { readonly id: string }[], started: new KeyedRows<PrincipalRow, Principal>((p) => {
    const data = JSON.stringify(p);
    madeDigests.set(p.id, jsonDigest(data));
    return [{ id: p.id, data }];
  }) };
  const aliases = { ended: [] as AliasRow[], started: new KeyedRows<AliasRow, Principal>((p) => p.identifiers.map((i) => ({ kind: i.kind, value: i.value, principalId: p.id }))) };
  const grants = { ended: [] as { readonly principalId: string; readonly role: string }[], started: new KeyedRows<GrantRow, readonly [string, ReadonlyMap<string, GrantPath>]>(function* ([principalId, now]) {
    for (const [role, path] of now) yield { principalId, role, path: pathJson(path) };
  }) };
  const newLinks = patch.links;
  const links = { ended: [] as { readonly source: string; readonly externalId: string }[], started: new KeyedRows<LinkRow, string>((key) => [{ ...splitAccountKey(key), principalId: newLinks!.get(key)! }]) };
  /** A digest, null (gone), or undefined: a new principal's, taken when its row is made. */
  const digestUpdates = new Map<string, string | null | undefined>();
  const aliasUpdates = new Map<string, readonly AliasPair[] | null>();
  const grantUpdates = new Map<string, ReadonlyMap<string, GrantPath> | null>();
  const principalOf = (id: string): Principal | undefined => (patch.principals.has(id) ? patch.principals.get(id) ?? undefined : current.principals.get(id));
  const grantsOf = (id: string): ReadonlyMap<string, GrantPath> | undefined => (patch.grants.has(id) ? patch.grants.get(id) ?? undefined : current.grants.get(id));
  // In id order, so the store's principal-keyed indexes are appended to, not scattered into.
  const ids = [...patch.principals.keys()];
  if (all) for (const id of cache.principalDigest.keys()) if (!patch.principals.has(id)) ids.push(id);
  ids.sort();

  for (const id of ids) {
    const p = principalOf(id);
    const old = cache.principalDigest.get(id);
    if (old === undefined) {
      if (p) {
        principals.started.pushKey(p, 1);
        digestUpdates.set(id, undefined);
      }
    } else {
      // Principals are built in canonical key order (build-principal.ts), so plain JSON is canonical.
      const json = p ? JSON.stringify(p) : undefined;
      const digest = json === undefined ? undefined : jsonDigest(json);
      if (old !== digest) {
        principals.ended.push({ id });
        if (json !== undefined) principals.started.push({ id, data: json });
        digestUpdates.set(id, digest ?? null);
      }
    }

    const nowAliases: readonly AliasPair[] = p ? p.identifiers : NONE;
    const oldAliases = cache.aliases.get(id) ?? NONE;
    // The cache keeps the committed principal's own identifiers array and grant map (neither is
    // changed in place), so an untouched principal is decided by reference. Otherwise the rows
    // that differ are written and the cache takes the live array and map, so it shares them from
    // then on. A first apply (no aliases before) or the same list in the same order builds no sets.
    if (oldAliases !== nowAliases) {
      if (oldAliases.length === 0) {
        if (p) aliases.started.pushKey(p, nowAliases.length);
      } else if (!sameAliases(oldAliases, nowAliases)) {
        const oldSet = new Set(oldAliases.map((i) => aliasKey(i.kind, i.value)));
        const nowSet = new Set(nowAliases.map((i) => aliasKey(i.kind, i.value)));
        for (const k of nowSet) if (!oldSet.has(k)) aliases.started.push({ ...splitAlias(k), principalId: id });
        for (const k of oldSet) if (!nowSet.has(k)) aliases.ended.push({ ...splitAlias(k), principalId: id });
      }
      aliasUpdates.set(id, nowAliases.length ? nowAliases : null);
    }

    const oldGrants = cache.grants.get(id);
    const nowGrants = grantsOf(id);
    if (oldGrants === undefined && nowGrants !== undefined) {
      grants.started.pushKey([id, nowGrants], nowGrants.size);
      grantUpdates.set(id, nowGrants.size ? nowGrants : null);
    } else if (oldGrants !== nowGrants) {
      // forEach, not for-of: no [key, value] array per entry (a million of them in a full diff).
      nowGrants?.forEach((path, role) => {
        const prev = oldGrants?.get(role);
        if (prev === path) return;
        const j = pathJson(path);
        if (prev !== undefined && pathJson(prev) === j) return;
        if (prev !== undefined) grants.ended.push({ principalId: id, role });
        grants.started.push({ principalId: id, role, path: j });
      });
      for (const role of oldGrants?.keys() ?? []) if (!nowGrants?.has(role)) grants.ended.push({ principalId: id, role });
      grantUpdates.set(id, nowGrants?.size ? nowGrants : null);
    }
  }

  if (newLinks) {
    newLinks.forEach((pid, key) => {
      const old = cache.links.get(key);
      if (old === pid) return;
      if (old !== undefined) links.ended.push(splitAccountKey(key));
      links.started.pushKey(key, 1);
    });
    for (const key of cache.links.keys()) if (!newLinks.has(key)) links.ended.push(splitAccountKey(key));
  }

  return {
    changes: { principals, links, aliases, grants },
    updateCache: () => {
      digestUpdates.forEach((d, id) => {
        if (d === null) cache.principalDigest.delete(id);
        else cache.principalDigest.set(id, d ?? madeDigests.get(id) ?? jsonDigest(JSON.stringify(principalOf(id))));
      });
      aliasUpdates.forEach((a, id) => (a === null ? cache.aliases.delete(id) : cache.aliases.set(id, a)));
      grantUpdates.forEach((g, id) => (g === null ? cache.grants.delete(id) : cache.grants.set(id, g)));
      // The new link map is never changed in place (a relink builds another), so it is shared.
      if (newLinks) cache.links = newLinks;
    },
  };
}

/** Group paths are shared objects (one per group and role), so their JSON is computed once. */
const pathJsonMemo = new WeakMap<object, string>();
function pathJson(path: object): string {
  let j = pathJsonMemo.get(path);
  if (j === undefined) pathJsonMemo.set(path, (j = canonicalJson(path)));
  return j;
}

const NONE: readonly AliasPair[] = [];

function sameAliases(a: readonly AliasPair[], b: readonly AliasPair[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.kind !== b[i]!.kind || a[i]!.value !== b[i]!.value) return false;
  return true;
}

function splitAlias(k: string): { kind: string; value: string } {
  const i = k.indexOf('\u0000');
  return { kind: k.slice(0, i), value: k.slice(i + 1) };
}
