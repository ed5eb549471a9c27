import type { Account } from '../model/account.js';
import type { GrantPath } from '../model/grant-path.js';
import type { Group } from '../model/group.js';
import { accountKey } from '../resolve/account-key.js';
import type { CurrentRows } from '../store/current-rows.js';
import type { AliasPair, ResolvedCache } from './resolved-cache.js';
import { jsonDigest } from './json-digest.js';
import { SourceCache } from './source-cache.js';

/** Rebuilds the applier's caches from the store's current rows (at start). */
export function loadCaches(rows: CurrentRows): { sources: Map<string, SourceCache>; resolved: ResolvedCache } {
  const sources = new Map<string, SourceCache>();
  const sourceOf = (id: string): SourceCache => {
    let s = sources.get(id);
    if (!s) sources.set(id, (s = new SourceCache()));
    return s;
  };
  for (const r of rows.accounts) sourceOf(r.source).setAccount(r.externalId, JSON.parse(r.data) as Account);
  for (const r of rows.groups) sourceOf(r.source).setGroup(r.externalId, JSON.parse(r.data) as Group);
  for (const r of rows.memberships) sourceOf(r.source).setMember(r.groupId, r.member, true);

  const principalDigest = new Map<string, string>();
  for (const r of rows.principals) principalDigest.set(r.id, jsonDigest(r.data));
  const links = new Map<string, string>();
  for (const r of rows.links) links.set(accountKey(r.source, r.externalId), r.principalId);
  const aliases = new Map<string, readonly AliasPair[]>();
  for (const r of rows.aliases) {
    const list = aliases.get(r.principalId) as AliasPair[] | undefined;
    const pair = { kind: r.kind, value: r.value };
    if (list) list.push(pair);
    else aliases.set(r.principalId, [pair]);
  }
  const grants = new Map<string, ReadonlyMap<string, GrantPath>>();
  // Paths repeat across principals (one per group chain and role): one object each.
  const paths = new Map<string, GrantPath>();
  for (const r of rows.grants) {
    let m = grants.get(r.principalId) as Map<string, GrantPath> | undefined;
    if (!m) grants.set(r.principalId, (m = new Map()));
    let path = paths.get(r.path);
    if (!path) paths.set(r.path, (path = JSON.parse(r.path) as GrantPath));
    m.set(r.role, path);
  }
  return { sources, resolved: { principalDigest, links, aliases, grants } };
}
