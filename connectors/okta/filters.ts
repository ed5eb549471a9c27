import { OKTA_USER_STATUSES, type OktaOptions, type OktaUserStatus } from './config.js';

/** Okta filter expressions (the `filter` query parameter) for the reads of a sync. */

const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const anyOf = (attr: string, values: readonly string[]): string => values.map((v) => `${attr} eq ${quote(v)}`).join(' or ');

/** Statuses a full sync reads. Listing users without a filter would leave out DEPROVISIONED. */
export function syncedStatuses(o: OktaOptions): OktaUserStatus[] {
  return OKTA_USER_STATUSES.filter((s) => o.statusMap[s] !== 'skip');
}

export const usersFullFilter = (o: OktaOptions): string => anyOf('status', syncedStatuses(o));

/** Users changed after `since`, of any status (a user leaving the synced statuses is a removal). */
export const usersChangedFilter = (since: string): string => `lastUpdated gt ${quote(since)} and (${anyOf('status', OKTA_USER_STATUSES)})`;

export const groupsFullFilter = (o: OktaOptions): string => anyOf('type', o.groupTypes);

/** Groups whose profile, or (with `members`) whose membership, changed after `since`. */
export function groupsChangedFilter(o: OktaOptions, since: string, members: boolean): string {
  const changed = members ? `lastUpdated gt ${quote(since)} or lastMembershipUpdated gt ${quote(since)}` : `lastUpdated gt ${quote(since)}`;
  return `(${anyOf('type', o.groupTypes)}) and (${changed})`;
}

export const USER_DELETED = 'user.lifecycle.delete.completed';
export const GROUP_DELETED = 'group.lifecycle.delete';
export const MEMBER_ADDED = 'group.user_membership.add';
export const MEMBER_REMOVED = 'group.user_membership.remove';

/** System Log event types the sync reads: deletions, and membership changes when it applies them. */
export function logEventTypes(o: OktaOptions): string[] {
  return o.membershipsFrom === 'system-log' ? [USER_DELETED, GROUP_DELETED, MEMBER_ADDED, MEMBER_REMOVED] : [USER_DELETED, GROUP_DELETED];
}

export const logsFilter = (o: OktaOptions): string => anyOf('eventType', logEventTypes(o));
