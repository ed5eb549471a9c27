import type { GrantPath } from '../model/grant-path.js';
import { findGroups } from './find-groups.js';
import { buildGroupGraph, type GroupGraph } from './group-graph.js';
import { groupClosure } from './group-closure.js';
import type { ResolveRules, RoleSource } from './resolve-rules.js';
import type { SourceState } from './source-state.js';

/** One way a group confers a role: the role's `grantedBy` entry and the chain up to the mapped group. */
export interface GroupRoleGrant {
  readonly role: string;
  readonly entry: number;
  readonly chain: readonly string[];
  /** Shared by every principal granted this way, so its serialization can be memoized. */
  readonly path: GrantPath;
}

/** sourceId -> groupId -> the roles membership in that group confers. Depends on groups only, not users. */
export type RoleIndex = ReadonlyMap<string, ReadonlyMap<string, readonly GroupRoleGrant[]>>;

/** A role's grant sources in precedence order: its `grantedBy`, then the direct-role groups. */
export function roleEntries(role: { readonly name: string; readonly grantedBy: readonly RoleSource[] }, rules: ResolveRules): RoleSource[] {
  return [...role.grantedBy, ...(rules.directRoleSources ?? []).map((source) => ({ group: { source, name: `role:${role.name}` } }))];
}

/**
 * Expands every group-mapped role over the nested-group graph once, so that the roles of a
 * principal are a lookup per direct group instead of a walk. Rebuilt only when groups, group
 * nesting or rules change.
 */
export function buildRoleIndex(sources: ReadonlyMap<string, SourceState>, rules: ResolveRules): RoleIndex {
  const index = new Map<string, Map<string, GroupRoleGrant[]>>();
  const graphs = new Map<string, GroupGraph>();
  for (const role of rules.roles) {
    roleEntries(role, rules).forEach((entry, entryIndex) => {
      if (!('group' in entry)) return;
      const state = sources.get(entry.group.source);
      if (!state) return;
      let graph = graphs.get(entry.group.source);
      if (!graph) graphs.set(entry.group.source, (graph = buildGroupGraph(state)));
      let bySource = index.get(entry.group.source);
      if (!bySource) index.set(entry.group.source, (bySource = new Map()));
      const nameOf = (id: string): string => state.groups.get(id)?.name ?? id;
      for (const rootId of findGroups(state, entry.group)) {
        for (const [groupId, chain] of groupClosure(graph, rootId, nameOf)) {
          const list = bySource.get(groupId);
          const grant = { role: role.name, entry: entryIndex, chain, path: { via: 'group' as const, source: entry.group.source, groups: chain } };
          if (list) list.push(grant);
          else bySource.set(groupId, [grant]);
        }
      }
    });
  }
  return index;
}
