import type { SourceBatch } from '../model/source-delta.js';
import type { Membership } from '../model/membership.js';
import { normalizeAccount, normalizeGroup } from './normalize-account.js';
import { emptyRawDiff, type RawDiff } from './raw-diff.js';
import type { SourceCache } from './source-cache.js';

export interface FullSnapshotDiff {
  readonly diff: RawDiff;
  readonly accountsSeen: number;
}

/**
 * Streams a full snapshot against the cached state of its source: whatever the snapshot does not
 * mention is removed, for this source only. Memberships already known are stamped in the cache
 * (no second copy of a million memberships); only new ones are collected.
 */
export async function diffFullSnapshot(cache: SourceCache, batches: AsyncIterable<SourceBatch>): Promise<FullSnapshotDiff> {
  const diff = emptyRawDiff();
  const stamp = ++cache.stamp;
  const seenAccounts = new Set<string>();
  const seenGroups = new Set<string>();
  const added = { a: new Map<string, Set<string>>(), g: new Map<string, Set<string>>() };
  // Directories list memberships group by group or user by user: remember the last group's map.
  let lastGroup: string | null = null;
  let lastIsAccount = true;
  let lastMembers: Map<string, number> | undefined;
  const see = (groupId: string, m: Omit<Membership, 'groupId'>): void => {
    const isAccount = m.memberType === 'account';
    if (groupId !== lastGroup || isAccount !== lastIsAccount) {
      lastGroup = groupId;
      lastIsAccount = isAccount;
      lastMembers = (isAccount ? cache.accountMembers : cache.childGroups).get(groupId);
    }
    const seen = lastMembers?.get(m.memberId);
    if (seen !== undefined) {
      if (seen !== stamp) lastMembers!.set(m.memberId, stamp);
      return;
    }
    const news = isAccount ? added.a : added.g;
    const set = news.get(groupId);
    if (set) set.add(m.memberId);
    else news.set(groupId, new Set([m.memberId]));
  };
  for await (const batch of batches) {
    for (const raw of batch.accounts ?? []) {
      const value = normalizeAccount(raw);
      const json = JSON.stringify(value);
      seenAccounts.add(value.externalId);
      if (cache.accountJson.get(value.externalId) !== json) diff.accounts.set(value.externalId, { value, json });
      else diff.accounts.delete(value.externalId);
    }
    for (const raw of batch.groups ?? []) {
      const value = normalizeGroup(raw);
      const json = JSON.stringify(value);
      seenGroups.add(value.externalId);
      if (cache.groupJson.get(value.externalId) !== json) diff.groups.set(value.externalId, { value, json });
      else diff.groups.delete(value.externalId);
    }
    for (const m of batch.memberships ?? []) see(m.groupId, m);
    for (const r of batch.replaceMembers ?? []) for (const m of r.members) see(r.groupId, m);
  }
  for (const id of cache.accounts.keys()) if (!seenAccounts.has(id)) diff.accounts.set(id, null);
  for (const id of cache.groups.keys()) if (!seenGroups.has(id)) diff.groups.set(id, null);
  for (const [prefix, news] of [['a:', added.a], ['g:', added.g]] as const) {
    for (const [groupId, ids] of news) for (const id of ids) diff.memberAdds.push([groupId, prefix + id]);
  }
  for (const [prefix, byGroup] of [['a:', cache.accountMembers], ['g:', cache.childGroups]] as const) {
    for (const [groupId, members] of byGroup) {
      for (const [id, seen] of members) if (seen !== stamp) diff.memberRemoves.push([groupId, prefix + id]);
    }
  }
  return { diff, accountsSeen: seenAccounts.size };
}
