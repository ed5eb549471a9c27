import type { Membership } from '../../src/model/membership.js';
import type { SourceBatch } from '../connector.js';
import { oktaTime } from './cursor.js';
import { httpFailure } from './errors.js';
import { GROUP_DELETED, logsFilter, MEMBER_ADDED, MEMBER_REMOVED, USER_DELETED } from './filters.js';
import type { RunContext } from './run-context.js';

/** A System Log event (only what the sync reads). */
export interface LogEvent {
  readonly uuid?: string;
  readonly published?: string;
  readonly eventType?: string;
  readonly outcome?: { readonly result?: string } | null;
  readonly target?: readonly { readonly id?: string; readonly type?: string }[] | null;
}

/**
 * Polls the System Log the way Okta documents for polling: `sortOrder=ASCENDING`, no `until`,
 * following `next` links until a page comes back empty. The last `next` link is where the next
 * poll continues (exactly after the last event read); without one, polling starts at `since`.
 */
export async function pollLog(rc: RunContext, position: string | null, sinceMs: number): Promise<{ events: LogEvent[]; next: string }> {
  const fresh = (): string =>
    rc.api.url('/api/v1/logs', { since: oktaTime(sinceMs), sortOrder: 'ASCENDING', limit: rc.o.pageSize.logs, filter: logsFilter(rc.o) });
  let url = position ? rc.o.orgUrl + position : fresh();
  const events: LogEvent[] = [];
  for (;;) {
    rc.signal.throwIfAborted();
    let page: { items: LogEvent[]; next: string | null };
    try {
      page = await rc.api.page<LogEvent>(url);
    } catch (err) {
      if (position !== null && events.length === 0 && httpFailure(err)?.status === 400) {
        // The stored position is no longer accepted (too old, format changed): restart from the watermark.
        rc.log.warn({ source: rc.sourceId }, 'Okta refused the stored System Log position; polling again from the watermark');
        position = null;
        url = fresh();
        continue;
      }
      throw err;
    }
    events.push(...page.items);
    const next = page.next ?? url;
    if (page.items.length === 0 || page.next === null) return { events, next: relative(next) };
    url = next;
  }
}

const relative = (url: string): string => {
  const u = new URL(url);
  return u.pathname + u.search;
};

/**
 * The changes a run of events makes, in event order: deleted users and groups, and (when
 * `memberships` is set) membership adds and removes, of the groups in `groupIds` only. The last
 * event of a (group, user) pair wins, and a deletion drops the pair's earlier events, so the one
 * resulting batch does not depend on the order the applier handles its lists in.
 */
export function logChanges(events: readonly LogEvent[], opts: { memberships: boolean; groupIds: ReadonlySet<string> | null }): SourceBatch & { readonly applied: number } {
  const pairs = new Map<string, { groupId: string; userId: string; add: boolean }>();
  const deletedUsers = new Set<string>();
  const deletedGroups = new Set<string>();
  let applied = 0;
  for (const e of events) {
    if (e.outcome?.result && e.outcome.result !== 'SUCCESS') continue;
    const user = e.target?.find((t) => t.type === 'User')?.id;
    const group = e.target?.find((t) => t.type === 'UserGroup')?.id;
    switch (e.eventType) {
      case USER_DELETED:
        if (!user) continue;
        deletedUsers.add(user);
        for (const [k, p] of pairs) if (p.userId === user) pairs.delete(k);
        break;
      case GROUP_DELETED:
        if (!group) continue;
        deletedGroups.add(group);
        for (const [k, p] of pairs) if (p.groupId === group) pairs.delete(k);
        break;
      case MEMBER_ADDED:
      case MEMBER_REMOVED:
        if (!opts.memberships || !user || !group || deletedUsers.has(user) || deletedGroups.has(group)) continue;
        if (opts.groupIds && !opts.groupIds.has(group)) continue;
        pairs.set(`${group}\u0000${user}`, { groupId: group, userId: user, add: e.eventType === MEMBER_ADDED });
        break;
      default:
        continue;
    }
    applied++;
  }
  const row = (p: { groupId: string; userId: string }): Membership => ({ groupId: p.groupId, memberType: 'account', memberId: p.userId });
  const adds = [...pairs.values()].filter((p) => p.add).map(row);
  const removes = [...pairs.values()].filter((p) => !p.add).map(row);
  return {
    applied,
    ...(deletedUsers.size ? { removedAccounts: [...deletedUsers] } : {}),
    ...(deletedGroups.size ? { removedGroups: [...deletedGroups] } : {}),
    ...(adds.length ? { memberships: adds } : {}),
    ...(removes.length ? { removedMemberships: removes } : {}),
  };
}
