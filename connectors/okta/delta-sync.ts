import type { Account } from '../../src/model/account.js';
import type { Membership } from '../../src/model/membership.js';
import type { SourceBatch } from '../connector.js';
import { Channel } from './channel.js';
import { oktaTime, type OktaCursor } from './cursor.js';
import { groupsChangedFilter, groupsFullFilter, usersChangedFilter } from './filters.js';
import { mapGroup, type OktaGroup, type OktaUser } from './map-user.js';
import { memberRows, pages, pool, readMembers, type RunContext } from './run-context.js';
import { logChanges, pollLog } from './system-log.js';

/** Where the run's System Log polling ended (read once the batches are consumed). */
export interface DeltaOutcome {
  logs: string | null;
}

/**
 * An incremental run. Users whose `lastUpdated` is after the watermark (less the overlap) are
 * re-read, of any status (one that left the synced statuses is removed). Groups whose profile or
 * membership moved are re-read, each changed member list delivered whole (`replaceMembers`).
 * With the System Log, deletions of users and groups (and, in `system-log` membership mode, the
 * membership events instead of member re-reads) come last, so they win over anything read
 * before them.
 */
export function deltaRun(rc: RunContext, previous: OktaCursor, outcome: DeltaOutcome): AsyncGenerator<SourceBatch> {
  const ch = new Channel<SourceBatch>(32);
  const fromMs = Date.parse(previous.since) - rc.o.overlapMs;
  const from = oktaTime(fromMs);
  const viaLog = rc.o.membershipsFrom === 'system-log';
  const groupIds = new Set<string>();
  outcome.logs = previous.logs;
  (async () => {
    await Promise.all([changedUsers(rc, ch, from), viaLog ? allGroups(rc, ch, groupIds) : changedGroups(rc, ch, from)]);
    if (rc.o.systemLog) {
      const { events, next } = await pollLog(rc, previous.logs, fromMs);
      const batch = logChanges(events, { memberships: viaLog, groupIds: viaLog ? groupIds : null });
      outcome.logs = next;
      const { applied, ...changes } = batch;
      if (Object.keys(changes).length) await ch.push(changes);
      rc.progress.delivered({
        logEvents: applied,
        removed: (batch.removedAccounts?.length ?? 0) + (batch.removedGroups?.length ?? 0) + (batch.removedMemberships?.length ?? 0),
        memberships: batch.memberships?.length ?? 0,
      });
    }
  })().then(
    () => ch.end(),
    (err: unknown) => ch.fail(err),
  );
  return ch.drain();
}

async function changedUsers(rc: RunContext, ch: Channel<SourceBatch>, from: string): Promise<void> {
  const url = rc.api.url('/api/v1/users', { limit: rc.o.pageSize.users, filter: usersChangedFilter(from) });
  for await (const page of pages<OktaUser>(rc, url)) {
    const accounts: Account[] = [];
    const removedAccounts: string[] = [];
    for (const u of page) {
      const a = rc.mapper.account(u);
      if (a) {
        rc.delivered.add(u.id);
        accounts.push(a);
      } else removedAccounts.push(u.id);
    }
    if (accounts.length || removedAccounts.length) await ch.push({ accounts, removedAccounts });
    rc.progress.delivered({ users: accounts.length, removed: removedAccounts.length });
  }
}

async function changedGroups(rc: RunContext, ch: Channel<SourceBatch>, from: string): Promise<void> {
  const url = rc.api.url('/api/v1/groups', { limit: rc.o.pageSize.groups, filter: groupsChangedFilter(rc.o, from, true) });
  const groups: OktaGroup[] = [];
  for await (const page of pages<OktaGroup>(rc, url)) groups.push(...page);
  rc.progress.counts.groupsTotal = groups.length;
  const fromMs = Date.parse(from);
  await pool(groups, rc.o.concurrency, rc.signal, async (g) => {
    const moved = g.lastMembershipUpdated !== undefined && !(Date.parse(g.lastMembershipUpdated) <= fromMs);
    if (!moved) {
      await ch.push({ groups: [mapGroup(g)] });
      rc.progress.delivered({ groups: 1 });
      return;
    }
    const members = await readMembers(rc, g.id);
    if (members === null) return; // deleted meanwhile: the System Log or the next full run removes it
    const rows = memberRows(rc, members, (memberId): Omit<Membership, 'groupId'> => ({ memberType: 'account', memberId }), fromMs);
    await ch.push({
      groups: [mapGroup(g)],
      replaceMembers: [{ groupId: g.id, members: rows.members }],
      ...(rows.accounts.length ? { accounts: rows.accounts } : {}),
    });
    rc.progress.delivered({ groups: 1, memberships: rows.members.length, users: rows.accounts.length });
  });
}

/** System-log membership mode: every group of the selected types (cheap: one page per 10,000). */
async function allGroups(rc: RunContext, ch: Channel<SourceBatch>, ids: Set<string>): Promise<void> {
  const url = rc.api.url('/api/v1/groups', { limit: rc.o.pageSize.groups, filter: groupsFullFilter(rc.o) });
  for await (const page of pages<OktaGroup>(rc, url)) {
    for (const g of page) ids.add(g.id);
    if (page.length) await ch.push({ groups: page.map(mapGroup) });
    rc.progress.delivered({ groups: page.length });
  }
}
