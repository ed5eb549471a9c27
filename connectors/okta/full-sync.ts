import type { Account } from '../../src/model/account.js';
import type { Membership } from '../../src/model/membership.js';
import type { SourceBatch } from '../connector.js';
import { Channel } from './channel.js';
import { groupsFullFilter, usersFullFilter } from './filters.js';
import { mapGroup, type OktaGroup, type OktaUser } from './map-user.js';
import { memberRows, pages, pool, readMembers, type RunContext } from './run-context.js';

/** Batches buffered between the readers and the applier. */
const CHANNEL_CAPACITY = 32;

/**
 * A full snapshot, streamed: the users listing (one cursor chain, page after page) runs beside
 * the groups listing and a pool of member readers, so the users and groups rate-limit buckets
 * are used at the same time. Each group is delivered with its whole member list once every page
 * of it has been read (a group deleted meanwhile is left out, not half-delivered).
 */
export function fullSnapshot(rc: RunContext): AsyncGenerator<SourceBatch> {
  const ch = new Channel<SourceBatch>(CHANNEL_CAPACITY);
  Promise.all([readUsers(rc, ch), readGroups(rc, ch)]).then(
    () => ch.end(),
    (err: unknown) => ch.fail(err),
  );
  return ch.drain();
}

async function readUsers(rc: RunContext, ch: Channel<SourceBatch>): Promise<void> {
  const url = rc.api.url('/api/v1/users', { limit: rc.o.pageSize.users, filter: usersFullFilter(rc.o) });
  for await (const page of pages<OktaUser>(rc, url)) {
    const accounts: Account[] = [];
    for (const u of page) {
      if (rc.delivered.has(u.id)) continue;
      const a = rc.mapper.account(u);
      if (!a) continue;
      rc.delivered.add(u.id);
      accounts.push(a);
    }
    if (accounts.length) await ch.push({ accounts });
    rc.progress.delivered({ users: accounts.length });
  }
}

async function readGroups(rc: RunContext, ch: Channel<SourceBatch>): Promise<void> {
  const url = rc.api.url('/api/v1/groups', { limit: rc.o.pageSize.groups, filter: groupsFullFilter(rc.o) });
  const groups: OktaGroup[] = [];
  for await (const page of pages<OktaGroup>(rc, url)) groups.push(...page);
  rc.progress.counts.groupsTotal = groups.length;
  await pool(groups, rc.o.concurrency, rc.signal, async (g) => {
    const members = await readMembers(rc, g.id);
    if (members === null) return;
    const groupId = g.id;
    const rows = memberRows(rc, members, (memberId): Membership => ({ groupId, memberType: 'account', memberId }));
    await ch.push({
      groups: [mapGroup(g)],
      memberships: rows.members,
      ...(rows.accounts.length ? { accounts: rows.accounts } : {}),
    });
    rc.progress.delivered({ groups: 1, memberships: rows.members.length, users: rows.accounts.length });
  });
}
