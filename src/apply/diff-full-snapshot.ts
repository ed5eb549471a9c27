import type { Account } from '../model/account.js';
import type { Group } from '../model/group.js';
import type { SourceBatch } from '../model/source-delta.js';
import type { Membership } from '../model/membership.js';
import { normalizeAccount, normalizeGroup } from './normalize-account.js';
import { GroupedMembers } from './grouped-members.js';
import type { MemberChange, RawDiff } from './raw-diff.js';
import { sameJson } from './same-json.js';
import type { SourceCache } from './source-cache.js';

export interface FullSnapshotDiff {
  readonly diff: RawDiff;
  readonly accountsSeen: number;
}

/**
 * Streams a full snapshot against the cached state of its source: whatever the snapshot does not
 * mention is removed, for this source only. Memberships already known are stamped in the cache
 * (no second copy of a million memberships); only new ones are collected, as ids by group (GroupedMembers).
 */
export async function diffFullSnapshot(source: string, cache: SourceCache, batches: AsyncIterable<SourceBatch>): Promise<FullSnapshotDiff> {
  const accounts = new Map<string, Account | null>();
  const groups = new Map<string, Group | null>();
  const stamp = ++cache.stamp;
  const seenAccounts = new Set<string>();
  const seenGroups = new Set<string>();
  const added = { a: new Map<string, Set<string>>(), g: new Map<string, Set<string>>() };
  let addedCount = 0;
  // One id string per member, which the source cache then keeps: a run may deliver a new id
  // string with every membership (parsed API pages do), and an initial apply has a million.
  // Looking up the account's own externalId instead measured ~2 s slower on the 100k LDAP benchmark.
  const ids = new Map<string, string>();
  const memberId = (id: string): string => {
    const kept = ids.get(id);
    if (kept !== undefined) return kept;
    ids.set(id, id);
    return id;
  };
  // Directories list memberships group by group or user by user: remember the last group's map.
  let lastGroup: string | null = null;
  let lastIsAccount = true;
  let lastMembers: Map<string, number> | undefined;
  let lastAdded: Set<string> | undefined;
  // Known memberships stamped by this snapshot: when that is all of them, none was removed.
  let stamped = 0;
  const see = (groupId: string, m: Omit<Membership, 'groupId'>): void => {
    const isAccount = m.memberType === 'account';
    if (groupId !== lastGroup || isAccount !== lastIsAccount) {
      lastGroup = groupId;
      lastIsAccount = isAccount;
      lastMembers = (isAccount ? cache.accountMembers : cache.childGroups).get(groupId);
      lastAdded = undefined;
    }
    const seen = lastMembers?.get(m.memberId);
    if (seen !== undefined) {
      if (seen !== stamp) {
        lastMembers!.set(m.memberId, stamp);
        stamped++;
      }
      return;
    }
    if (!lastAdded) {
      const news = isAccount ? added.a : added.g;
      lastAdded = news.get(groupId);
      if (!lastAdded) news.set(groupId, (lastAdded = new Set()));
    }
    const before = lastAdded.size;
    if (lastAdded.add(memberId(m.memberId)).size !== before) addedCount++;
  };
  for await (const batch of batches) {
    for (const raw of batch.accounts ?? []) {
      const value = normalizeAccount(raw);
      seenAccounts.add(value.externalId);
      // Most accounts are unchanged: equal normalized values, so no JSON is built.
      const held = cache.accounts.get(value.externalId);
      if (held === undefined || !sameJson(held, value)) accounts.set(value.externalId, value);
      else accounts.delete(value.externalId);
    }
    for (const raw of batch.groups ?? []) {
      const value = normalizeGroup(raw);
      seenGroups.add(value.externalId);
      const held = cache.groups.get(value.externalId);
      if (held === undefined || !sameJson(held, value)) groups.set(value.externalId, value);
      else groups.delete(value.externalId);
    }
    for (const [groupId, list] of byGroup(batch.memberships ?? [])) for (const m of list) see(groupId, m);
    for (const r of batch.replaceMembers ?? []) for (const m of r.members) see(r.groupId, m);
  }
  for (const id of cache.accounts.keys()) if (!seenAccounts.has(id)) accounts.set(id, null);
  for (const id of cache.groups.keys()) if (!seenGroups.has(id)) groups.set(id, null);
  const removes: MemberChange[] = [];
  const done = (): FullSnapshotDiff => ({ diff: { accounts, groups, memberAdds: new GroupedMembers(source, added.a, added.g, addedCount), memberRemoves: removes }, accountsSeen: seenAccounts.size });
  if (stamped === cache.memberCount) return done();
  for (const [prefix, byGroup] of [['a:', cache.accountMembers], ['g:', cache.childGroups]] as const) {
    for (const [groupId, members] of byGroup) {
      members.forEach((seen, id) => {
        if (seen !== stamp) removes.push({ source, groupId, member: `${prefix}${id}` });
      });
    }
  }
  return done();
}

/**
 * A batch's memberships grouped by group, in listed order within each. Listed user by user, every
 * membership would probe a different group's member map (a cache miss each); grouped, each map is
 * stamped while it is hot. Already grouped lists (group by group) pass through in one bucket each.
 */
function byGroup(memberships: readonly Membership[]): Map<string, Membership[]> {
  const out = new Map<string, Membership[]>();
  let lastId: string | null = null;
  let last: Membership[] = [];
  for (const m of memberships) {
    if (m.groupId !== lastId) {
      lastId = m.groupId;
      const list = out.get(lastId);
      if (list) last = list;
      else out.set(lastId, (last = []));
    }
    last.push(m);
  }
  return out;
}
