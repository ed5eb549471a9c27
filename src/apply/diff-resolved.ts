import type { ChangeSet } from '../model/change-set.js';
import type { GrantPath } from '../model/grant-path.js';
import type { Principal } from '../model/principal.js';
import { splitAccountKey } from '../resolve/account-key.js';
import type { ResolutionPatch } from '../resolve/resolve-state.js';
import type { ResolvedState } from '../resolve/resolved-state.js';
import { canonicalJson } from './canonical-json.js';
import { aliasKey, type ResolvedCache } from './resolved-cache.js';

type Resolved = Pick<ChangeSet, 'principals' | 'links' | 'aliases' | 'grants'>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };

/**
 * Diffs a resolution patch against the committed (cached) state: the resolved half of a change
 * set, and a function that brings the cache up to date once that change set is committed.
 * Only the principals the patch touches are compared; `all` also compares every cached one
 * (at start and after a rule change, when the patch is a whole new resolution).
 */
export function diffResolved(
  cache: ResolvedCache,
  current: ResolvedState,
  patch: ResolutionPatch,
  all: boolean,
): { changes: Resolved; updateCache: () => void } {
  const principals: Mutable<Resolved['principals']> = { ended: [], started: [] };
  const aliases: Mutable<Resolved['aliases']> = { ended: [], started: [] };
  const grants: Mutable<Resolved['grants']> = { ended: [], started: [] };
  const links: Mutable<Resolved['links']> = { ended: [], started: [] };
  const jsonUpdates = new Map<string, string | null>();
  const aliasUpdates = new Map<string, readonly string[] | null>();
  const grantUpdates = new Map<string, ReadonlyMap<string, string> | null>();
  const principalOf = (id: string): Principal | undefined => (patch.principals.has(id) ? patch.principals.get(id) ?? undefined : current.principals.get(id));
  const grantsOf = (id: string): ReadonlyMap<string, GrantPath> | undefined => (patch.grants.has(id) ? patch.grants.get(id) ?? undefined : current.grants.get(id));
  // In id order, so the store's principal-keyed indexes are appended to, not scattered into.
  const ids = [...(all ? new Set([...cache.principalJson.keys(), ...patch.principals.keys()]) : patch.principals.keys())].sort();

  for (const id of ids) {
    const p = principalOf(id);
    // Principals are built in canonical key order (build-principal.ts), so plain JSON is canonical.
    const json = p ? JSON.stringify(p) : undefined;
    const old = cache.principalJson.get(id);
    if (old !== json) {
      if (old !== undefined) principals.ended.push({ id });
      if (json !== undefined) principals.started.push({ id, data: json });
      jsonUpdates.set(id, json ?? null);
    }

    const nowAliases = p ? p.identifiers.map((i) => aliasKey(i.kind, i.value)) : [];
    const oldAliases = cache.aliases.get(id) ?? [];
    const oldSet = new Set(oldAliases);
    const nowSet = new Set(nowAliases);
    let aliasChanged = oldAliases.length !== nowAliases.length;
    for (const k of nowAliases) if (!oldSet.has(k)) (aliasChanged = true), aliases.started.push({ ...splitAlias(k), principalId: id });
    for (const k of oldAliases) if (!nowSet.has(k)) (aliasChanged = true), aliases.ended.push({ ...splitAlias(k), principalId: id });
    if (aliasChanged) aliasUpdates.set(id, nowAliases.length ? nowAliases : null);

    const oldGrants = cache.grants.get(id);
    const out = new Map<string, string>();
    let grantChanged = false;
    for (const [role, path] of grantsOf(id) ?? []) {
      const j = pathJson(path);
      out.set(role, j);
      const prev = oldGrants?.get(role);
      if (prev === j) continue;
      grantChanged = true;
      if (prev !== undefined) grants.ended.push({ principalId: id, role });
      grants.started.push({ principalId: id, role, path: j });
    }
    for (const role of oldGrants?.keys() ?? []) if (!out.has(role)) (grantChanged = true), grants.ended.push({ principalId: id, role });
    if (grantChanged) grantUpdates.set(id, out.size ? out : null);
  }

  const newLinks = patch.links;
  if (newLinks) {
    for (const [key, pid] of newLinks) {
      const old = cache.links.get(key);
      if (old === pid) continue;
      const ref = splitAccountKey(key);
      if (old !== undefined) links.ended.push(ref);
      links.started.push({ ...ref, principalId: pid });
    }
    for (const key of cache.links.keys()) if (!newLinks.has(key)) links.ended.push(splitAccountKey(key));
  }

  return {
    changes: { principals, links, aliases, grants },
    updateCache: () => {
      for (const [id, j] of jsonUpdates) j === null ? cache.principalJson.delete(id) : cache.principalJson.set(id, j);
      for (const [id, a] of aliasUpdates) a === null ? cache.aliases.delete(id) : cache.aliases.set(id, a);
      for (const [id, g] of grantUpdates) g === null ? cache.grants.delete(id) : cache.grants.set(id, g);
      if (newLinks) cache.links = new Map(newLinks);
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

function splitAlias(k: string): { kind: string; value: string } {
  const i = k.indexOf('\u0000');
  return { kind: k.slice(0, i), value: k.slice(i + 1) };
}
