import type { ChangeSet } from '../model/change-set.js';
import { splitAccountKey } from '../resolve/account-key.js';
import type { ResolvedState } from '../resolve/resolve-state.js';
import { canonicalJson } from './canonical-json.js';
import { aliasKey, type ResolvedCache } from './resolved-cache.js';

type Resolved = Pick<ChangeSet, 'principals' | 'links' | 'aliases' | 'grants'>;

/** Serializes a fresh resolution and diffs it against the cached one: the resolved half of a change set. */
export function diffResolved(before: ResolvedCache, state: ResolvedState): { changes: Resolved; after: ResolvedCache } {
  const principalJson = new Map<string, string>();
  const principals: { ended: { id: string }[]; started: { id: string; data: string }[] } = { ended: [], started: [] };
  for (const [id, p] of state.principals) {
    const json = canonicalJson(p);
    principalJson.set(id, json);
    const old = before.principalJson.get(id);
    if (old === json) continue;
    if (old !== undefined) principals.ended.push({ id });
    principals.started.push({ id, data: json });
  }
  for (const id of before.principalJson.keys()) if (!principalJson.has(id)) principals.ended.push({ id });

  const links: { ended: { source: string; externalId: string }[]; started: { source: string; externalId: string; principalId: string }[] } = { ended: [], started: [] };
  for (const [key, pid] of state.principalOfAccount) {
    const old = before.links.get(key);
    if (old === pid) continue;
    const ref = splitAccountKey(key);
    if (old !== undefined) links.ended.push(ref);
    links.started.push({ ...ref, principalId: pid });
  }
  for (const key of before.links.keys()) if (!state.principalOfAccount.has(key)) links.ended.push(splitAccountKey(key));

  const aliasSet = new Set<string>();
  const aliases: { ended: { kind: string; value: string; principalId: string }[]; started: { kind: string; value: string; principalId: string }[] } = { ended: [], started: [] };
  for (const p of state.principals.values()) {
    for (const idf of p.identifiers) {
      const k = aliasKey(idf.kind, idf.value, p.id);
      aliasSet.add(k);
      if (!before.aliases.has(k)) aliases.started.push({ kind: idf.kind, value: idf.value, principalId: p.id });
    }
  }
  for (const k of before.aliases) {
    if (aliasSet.has(k)) continue;
    const [kind, value, principalId] = k.split('\u0000') as [string, string, string];
    aliases.ended.push({ kind, value, principalId });
  }

  const grantJson = new Map<string, Map<string, string>>();
  const grants: { ended: { principalId: string; role: string }[]; started: { principalId: string; role: string; path: string }[] } = { ended: [], started: [] };
  for (const [pid, roles] of state.grants) {
    const out = new Map<string, string>();
    grantJson.set(pid, out);
    const old = before.grants.get(pid);
    for (const [role, path] of roles) {
      const json = canonicalJson(path);
      out.set(role, json);
      const prev = old?.get(role);
      if (prev === json) continue;
      if (prev !== undefined) grants.ended.push({ principalId: pid, role });
      grants.started.push({ principalId: pid, role, path: json });
    }
  }
  for (const [pid, roles] of before.grants) {
    const now = grantJson.get(pid);
    for (const role of roles.keys()) if (!now?.has(role)) grants.ended.push({ principalId: pid, role });
  }

  return {
    changes: { principals, links, aliases, grants },
    after: { principals: state.principals, principalJson, links: state.principalOfAccount, aliases: aliasSet, grants: grantJson },
  };
}
