import type { ChangeSet } from '../model/change-set.js';
import { splitAccountKey } from '../resolve/account-key.js';
import type { ResolvedState } from '../resolve/resolved-state.js';
import { canonicalJson } from './canonical-json.js';
import { aliasKey, type ResolvedCache } from './resolved-cache.js';

type Resolved = Pick<ChangeSet, 'principals' | 'links' | 'aliases' | 'grants'>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };

/**
 * Diffs a resolution against the committed one: the resolved half of a change set, and the
 * cache after it. Only `dirty` principals are compared ('all' after a rule change or at start);
 * links are compared whenever the link map object changed (a relink).
 */
export function diffResolved(before: ResolvedCache, state: ResolvedState, dirty: ReadonlySet<string> | 'all'): { changes: Resolved; after: ResolvedCache } {
  const principals: Mutable<Resolved['principals']> = { ended: [], started: [] };
  const aliases: Mutable<Resolved['aliases']> = { ended: [], started: [] };
  const grants: Mutable<Resolved['grants']> = { ended: [], started: [] };
  const links: Mutable<Resolved['links']> = { ended: [], started: [] };
  const principalJson = new Map(before.principalJson);
  const aliasMap = new Map(before.aliases);
  const grantMap = new Map(before.grants);
  // In id order, so the store's principal-keyed indexes are appended to, not scattered into.
  const ids = [...(dirty === 'all' ? new Set([...before.principalJson.keys(), ...state.principals.keys()]) : dirty)].sort();

  for (const id of ids) {
    const p = state.principals.get(id);
    // Principals are built in canonical key order (build-principal.ts), so plain JSON is canonical.
    const json = p ? JSON.stringify(p) : undefined;
    const old = before.principalJson.get(id);
    if (old !== json) {
      if (old !== undefined) principals.ended.push({ id });
      if (json !== undefined) principals.started.push({ id, data: json });
      if (json === undefined) principalJson.delete(id);
      else principalJson.set(id, json);
    }

    const nowAliases = p ? p.identifiers.map((i) => aliasKey(i.kind, i.value)) : [];
    const oldAliases = before.aliases.get(id) ?? [];
    const oldSet = new Set(oldAliases);
    const nowSet = new Set(nowAliases);
    for (const k of nowAliases) if (!oldSet.has(k)) aliases.started.push({ ...splitAlias(k), principalId: id });
    for (const k of oldAliases) if (!nowSet.has(k)) aliases.ended.push({ ...splitAlias(k), principalId: id });
    if (nowAliases.length) aliasMap.set(id, nowAliases);
    else aliasMap.delete(id);

    const nowGrants = state.grants.get(id);
    const oldGrants = before.grants.get(id);
    const out = new Map<string, string>();
    for (const [role, path] of nowGrants ?? []) {
      const j = pathJson(path);
      out.set(role, j);
      const prev = oldGrants?.get(role);
      if (prev === j) continue;
      if (prev !== undefined) grants.ended.push({ principalId: id, role });
      grants.started.push({ principalId: id, role, path: j });
    }
    for (const role of oldGrants?.keys() ?? []) if (!out.has(role)) grants.ended.push({ principalId: id, role });
    if (out.size) grantMap.set(id, out);
    else grantMap.delete(id);
  }

  if (state.principalOfAccount !== before.links) {
    for (const [key, pid] of state.principalOfAccount) {
      const old = before.links.get(key);
      if (old === pid) continue;
      const ref = splitAccountKey(key);
      if (old !== undefined) links.ended.push(ref);
      links.started.push({ ...ref, principalId: pid });
    }
    for (const key of before.links.keys()) if (!state.principalOfAccount.has(key)) links.ended.push(splitAccountKey(key));
  }

  return {
    changes: { principals, links, aliases, grants },
    after: { principalJson, links: state.principalOfAccount, aliases: aliasMap, grants: grantMap },
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
