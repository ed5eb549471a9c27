import type { Group } from '../../src/model/group.js';
import type { Membership } from '../../src/model/membership.js';
import type { SourceBatch } from '../connector.js';
import { EntraSourceError } from './errors.js';
import { GraphNotFound, type GraphJson } from './graph-client.js';
import { memberRef, type MemberRef } from './group-sync.js';
import type { RunContext } from './run-context.js';

/** Name prefix of the groups that carry app-role assignments: `approle:<appRole value>`. */
export const APP_ROLE_PREFIX = 'approle:';
/** The app role id of an assignment without a specific role (default access). */
export const DEFAULT_ACCESS_ROLE = '00000000-0000-0000-0000-000000000000';

const PRINCIPAL_TYPES: Readonly<Record<string, string>> = {
  User: '#microsoft.graph.user',
  Group: '#microsoft.graph.group',
  ServicePrincipal: '#microsoft.graph.servicePrincipal',
};

export interface AppRoleGroups {
  readonly groups: readonly Group[];
  readonly members: ReadonlyMap<string, readonly MemberRef[]>;
}

/**
 * The app roles of the configured enterprise application and who is assigned to each
 * (`appRoleAssignedTo`: users, groups, service principals), as one group per enabled role:
 * external id `approle:<appRole id>` (stable), name `approle:<appRole value>` (what a role's
 * `grantedBy` names). Assignments have no delta query: they are read whole on every run, one
 * request per 999 assignments, and delivered as the groups' whole member lists.
 */
export async function readAppRoles(ctx: RunContext): Promise<AppRoleGroups> {
  const a = ctx.o.appRoles!;
  const which = a.servicePrincipalId ? `/v1.0/servicePrincipals/${a.servicePrincipalId}` : `/v1.0/servicePrincipals(appId='${a.appId}')`;
  ctx.monitor.phase('reading app roles');
  let sp: GraphJson;
  try {
    sp = await ctx.client.get(ctx.client.url(`${which}?$select=id,appId,displayName,appRoles`), ctx.monitor, ctx.signal);
  } catch (err) {
    if (!(err instanceof GraphNotFound)) throw err;
    const named = a.servicePrincipalId ? `servicePrincipalId ${a.servicePrincipalId}` : `appId ${a.appId}`;
    throw new EntraSourceError(ctx.sourceId, 'config', `appRoles: no enterprise application (service principal) with ${named} in the tenant`);
  }
  const byRole = new Map<string, Group>();
  for (const r of Array.isArray(sp.appRoles) ? (sp.appRoles as GraphJson[]) : []) {
    if (typeof r?.id !== 'string' || r.isEnabled === false) continue;
    const value = typeof r.value === 'string' && r.value ? r.value : r.id;
    byRole.set(r.id, { externalId: APP_ROLE_PREFIX + r.id, name: APP_ROLE_PREFIX + value });
  }
  if (a.includeDefaultAccess) byRole.set(DEFAULT_ACCESS_ROLE, { externalId: APP_ROLE_PREFIX + DEFAULT_ACCESS_ROLE, name: `${APP_ROLE_PREFIX}default` });

  const members = new Map<string, MemberRef[]>([...byRole.values()].map((g) => [g.externalId, []]));
  const seen = new Set<string>();
  let url: string | null = ctx.client.url(`/v1.0/servicePrincipals/${encodeURIComponent(String(sp.id))}/appRoleAssignedTo?$select=id,appRoleId,principalId,principalType&$top=999`);
  while (url) {
    const page: GraphJson = await ctx.client.get(url, ctx.monitor, ctx.signal);
    const value = Array.isArray(page.value) ? (page.value as GraphJson[]) : [];
    ctx.monitor.read(value.length, 'reading app-role assignments');
    for (const asg of value) {
      const group = typeof asg.appRoleId === 'string' ? byRole.get(asg.appRoleId) : undefined;
      const principal = typeof asg.principalId === 'string' ? asg.principalId : null;
      if (!group || principal === null || ctx.gone.has(principal)) continue;
      const ref = memberRef(PRINCIPAL_TYPES[String(asg.principalType)], principal, ctx);
      const key = `${group.externalId}|${ref?.memberType}:${principal}`;
      if (!ref || seen.has(key)) continue;
      seen.add(key);
      members.get(group.externalId)!.push(ref);
      ctx.stats.appRoleAssignments++;
    }
    const next = page['@odata.nextLink'];
    url = typeof next === 'string' && next ? next : null;
  }
  return { groups: [...byRole.values()], members };
}

/** A full round: the role groups and their members as memberships. */
export function appRoleFullBatch(roles: AppRoleGroups): SourceBatch {
  const memberships: Membership[] = [];
  for (const [groupId, refs] of roles.members) for (const ref of refs) memberships.push({ groupId, ...ref });
  return { groups: roles.groups, memberships };
}

/** An incremental round: every role group with its whole member list; roles gone since `previous` are removed. */
export function appRoleDeltaBatch(roles: AppRoleGroups, previous: readonly string[]): SourceBatch {
  const current = new Set(roles.groups.map((g) => g.externalId));
  return {
    groups: roles.groups,
    removedGroups: previous.filter((id) => !current.has(id)),
    replaceMembers: [...roles.members].map(([groupId, members]) => ({ groupId, members })),
  };
}
