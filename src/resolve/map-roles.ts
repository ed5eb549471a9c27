import type { GrantPath } from '../model/grant-path.js';
import type { IdentifierKind } from '../model/identifier.js';
import { IDENTIFIER_KINDS } from '../model/identifier.js';
import type { Principal } from '../model/principal.js';
import { accountKey } from './account-key.js';
import { attributeMatches, describeCondition } from './attribute-matches.js';
import { findGroups } from './find-groups.js';
import { buildGroupGraph, type GroupGraph } from './group-graph.js';
import { compareChains, groupClosure } from './group-closure.js';
import { normalizeIdentifier } from './normalize-identifier.js';
import type { RoleDefinition, RoleSource } from './resolve-rules.js';
import type { SourceState } from './source-state.js';

/** principalId -> role -> the one path recorded for that grant. */
export type GrantMap = Map<string, Map<string, GrantPath>>;

/**
 * Maps groups, attributes and static assignments to roles. When several paths grant the same
 * role, the one from the earliest `grantedBy` entry wins, and among group paths of one entry the
 * shortest (then lexicographically smallest) chain, so paths are deterministic.
 */
export function mapRoles(
  sources: ReadonlyMap<string, SourceState>,
  roles: readonly RoleDefinition[],
  directRoleSources: readonly string[],
  principals: ReadonlyMap<string, Principal>,
  principalOfAccount: ReadonlyMap<string, string>,
): GrantMap {
  const grants: GrantMap = new Map();
  const graphs = new Map<string, GroupGraph>();
  const graphOf = (sourceId: string, state: SourceState): GroupGraph => {
    let g = graphs.get(sourceId);
    if (!g) graphs.set(sourceId, (g = buildGroupGraph(state)));
    return g;
  };
  let aliasIndex: Map<string, string[]> | undefined;

  for (const role of roles) {
    const rank = new Map<string, { entry: number; chain?: readonly string[] }>();
    const offer = (pid: string, entry: number, path: GrantPath, chain?: readonly string[]): void => {
      const prev = rank.get(pid);
      if (prev && (prev.entry < entry || (prev.entry === entry && (!chain || !prev.chain || compareChains(prev.chain, chain) <= 0)))) return;
      rank.set(pid, { entry, chain });
      let roleMap = grants.get(pid);
      if (!roleMap) grants.set(pid, (roleMap = new Map()));
      roleMap.set(role.name, path);
    };

    const entries: RoleSource[] = [
      ...role.grantedBy,
      ...directRoleSources.map((source) => ({ group: { source, name: `role:${role.name}` } })),
    ];
    entries.forEach((grantSource, entry) => {
      if ('group' in grantSource) {
        const sel = grantSource.group;
        const state = sources.get(sel.source);
        if (!state) return;
        const graph = graphOf(sel.source, state);
        const nameOf = (id: string): string => state.groups.get(id)?.name ?? id;
        for (const rootId of findGroups(state, sel)) {
          for (const [groupId, chain] of groupClosure(graph, rootId, nameOf)) {
            for (const accountId of graph.accountMembers.get(groupId) ?? []) {
              const pid = principalOfAccount.get(accountKey(sel.source, accountId));
              if (pid) offer(pid, entry, { via: 'group', source: sel.source, groups: chain }, chain);
            }
          }
        }
      } else if ('attribute' in grantSource) {
        const cond = grantSource.attribute;
        const condition = describeCondition(cond);
        for (const p of principals.values()) {
          for (const [sourceId, attrs] of Object.entries(p.attributes)) {
            if (cond.source !== undefined && cond.source !== sourceId) continue;
            if (attributeMatches(attrs, cond)) {
              offer(p.id, entry, { via: 'attribute', source: sourceId, condition });
              break;
            }
          }
        }
      } else {
        aliasIndex ??= buildAliasIndex(principals);
        for (const identifier of grantSource.principals) {
          for (const pid of lookupStatic(aliasIndex, identifier)) {
            offer(pid, entry, { via: 'static', source: 'config', identifier });
          }
        }
      }
    });
  }
  return grants;
}

function buildAliasIndex(principals: ReadonlyMap<string, Principal>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const p of principals.values()) {
    for (const idf of p.identifiers) {
      const k = `${idf.kind}:${idf.value}`;
      const list = index.get(k);
      if (list) list.push(p.id);
      else index.set(k, [p.id]);
    }
  }
  return index;
}

/** `kind:value` looks up one kind; a bare value matches any kind (normalized per kind). */
function lookupStatic(index: Map<string, string[]>, identifier: string): string[] {
  const colon = identifier.indexOf(':');
  const prefix = colon > 0 ? identifier.slice(0, colon) : '';
  if ((IDENTIFIER_KINDS as readonly string[]).includes(prefix)) {
    const kind = prefix as IdentifierKind;
    return index.get(`${kind}:${normalizeIdentifier(kind, identifier.slice(colon + 1))}`) ?? [];
  }
  const found = new Set<string>();
  for (const kind of IDENTIFIER_KINDS) {
    for (const pid of index.get(`${kind}:${normalizeIdentifier(kind, identifier)}`) ?? []) found.add(pid);
  }
  return [...found].sort();
}
