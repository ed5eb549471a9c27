import type { SourceBatch } from '../model/source-delta.js';
import { accountMemberKey, groupMemberKey, type MemberKey } from '../resolve/source-state.js';
import { canonicalJson } from './canonical-json.js';
import { normalizeAccount, normalizeGroup } from './normalize-account.js';
import { emptyRawDiff, type RawDiff } from './raw-diff.js';
import type { SourceCache } from './source-cache.js';

export interface FullSnapshotDiff {
  readonly diff: RawDiff;
  readonly accountsSeen: number;
}

/**
 * Streams a full snapshot against the cached state of its source: whatever the snapshot does not
 * mention is removed, for this source only. Only the snapshot's member lists are held in memory.
 */
export async function diffFullSnapshot(cache: SourceCache, batches: AsyncIterable<SourceBatch>): Promise<FullSnapshotDiff> {
  const diff = emptyRawDiff();
  const seenAccounts = new Set<string>();
  const seenGroups = new Set<string>();
  const next = new Map<string, Set<MemberKey>>();
  for await (const batch of batches) {
    for (const raw of batch.accounts ?? []) {
      const value = normalizeAccount(raw);
      const json = canonicalJson(value);
      seenAccounts.add(value.externalId);
      if (cache.accountJson.get(value.externalId) !== json) diff.accounts.set(value.externalId, { value, json });
      else diff.accounts.delete(value.externalId);
    }
    for (const raw of batch.groups ?? []) {
      const value = normalizeGroup(raw);
      const json = canonicalJson(value);
      seenGroups.add(value.externalId);
      if (cache.groupJson.get(value.externalId) !== json) diff.groups.set(value.externalId, { value, json });
      else diff.groups.delete(value.externalId);
    }
    for (const m of batch.memberships ?? []) {
      let set = next.get(m.groupId);
      if (!set) next.set(m.groupId, (set = new Set()));
      set.add(m.memberType === 'account' ? accountMemberKey(m.memberId) : groupMemberKey(m.memberId));
    }
    for (const r of batch.replaceMembers ?? []) {
      const set = new Set<MemberKey>();
      for (const m of r.members) set.add(m.memberType === 'account' ? accountMemberKey(m.memberId) : groupMemberKey(m.memberId));
      next.set(r.groupId, set);
    }
  }
  for (const id of cache.accounts.keys()) if (!seenAccounts.has(id)) diff.accounts.set(id, null);
  for (const id of cache.groups.keys()) if (!seenGroups.has(id)) diff.groups.set(id, null);
  for (const [groupId, keys] of next) {
    const old = cache.members.get(groupId);
    for (const k of keys) if (!old?.has(k)) diff.memberAdds.push([groupId, k]);
  }
  for (const [groupId, old] of cache.members) {
    const keys = next.get(groupId);
    for (const k of old) if (!keys?.has(k)) diff.memberRemoves.push([groupId, k]);
  }
  return { diff, accountsSeen: seenAccounts.size };
}
