import type { Account } from '../model/account.js';
import type { Group } from '../model/group.js';
import type { SourceBatch } from '../model/source-delta.js';
import { accountMemberKey, groupMemberKey, type MemberKey } from '../resolve/source-state.js';
import { normalizeAccount, normalizeGroup } from './normalize-account.js';
import type { MemberChange, RawDiff } from './raw-diff.js';
import { sameJson } from './same-json.js';
import type { SourceCache } from './source-cache.js';

/**
 * Folds a delta's batches, in order, over the cached state of its source and keeps only real
 * changes. Removing an account or group also removes the memberships that name it, so no
 * dangling membership outlives its member.
 */
export async function diffDelta(source: string, cache: SourceCache, batches: AsyncIterable<SourceBatch>): Promise<RawDiff> {
  const accounts = new Map<string, Account | null>();
  const groups = new Map<string, Group | null>();
  const members = new Map<string, Map<MemberKey, boolean>>();

  const hasAccount = (id: string): boolean => (accounts.has(id) ? accounts.get(id) !== null : cache.accounts.has(id));
  const hasGroup = (id: string): boolean => (groups.has(id) ? groups.get(id) !== null : cache.groups.has(id));
  const isMember = (g: string, k: MemberKey): boolean => members.get(g)?.get(k) ?? cache.hasMember(g, k);
  const setMember = (g: string, k: MemberKey, present: boolean): void => {
    let m = members.get(g);
    if (!m) members.set(g, (m = new Map()));
    m.set(k, present);
  };
  const currentMembers = (g: string): Set<MemberKey> => {
    const out = new Set(cache.membersOf(g));
    for (const [k, present] of members.get(g) ?? []) present ? out.add(k) : out.delete(k);
    return out;
  };
  const dropMemberEverywhere = (key: MemberKey): void => {
    const groups = key.charCodeAt(0) === 97 /* a */ ? cache.accountGroups.get(key.slice(2)) ?? [] : cache.groupsWithMembers();
    for (const g of new Set([...groups, ...members.keys()])) if (isMember(g, key)) setMember(g, key, false);
  };

  for await (const batch of batches) {
    for (const raw of batch.accounts ?? []) {
      const value = normalizeAccount(raw);
      accounts.set(value.externalId, value);
    }
    for (const raw of batch.groups ?? []) {
      const value = normalizeGroup(raw);
      groups.set(value.externalId, value);
    }
    for (const id of batch.removedAccounts ?? []) {
      if (!hasAccount(id)) continue;
      accounts.set(id, null);
      dropMemberEverywhere(accountMemberKey(id));
    }
    for (const id of batch.removedGroups ?? []) {
      if (!hasGroup(id)) continue;
      groups.set(id, null);
      for (const k of currentMembers(id)) setMember(id, k, false);
      dropMemberEverywhere(groupMemberKey(id));
    }
    for (const m of batch.memberships ?? []) {
      setMember(m.groupId, m.memberType === 'account' ? accountMemberKey(m.memberId) : groupMemberKey(m.memberId), true);
    }
    for (const m of batch.removedMemberships ?? []) {
      setMember(m.groupId, m.memberType === 'account' ? accountMemberKey(m.memberId) : groupMemberKey(m.memberId), false);
    }
    for (const r of batch.replaceMembers ?? []) {
      const wanted = new Set(r.members.map((m) => (m.memberType === 'account' ? accountMemberKey(m.memberId) : groupMemberKey(m.memberId))));
      for (const k of currentMembers(r.groupId)) if (!wanted.has(k)) setMember(r.groupId, k, false);
      for (const k of wanted) setMember(r.groupId, k, true);
    }
  }

  const diff = { accounts: new Map<string, Account | null>(), groups: new Map<string, Group | null>(), memberAdds: [] as MemberChange[], memberRemoves: [] as MemberChange[] };
  for (const [id, entry] of accounts) {
    if (!sameEntry(cache.accounts.get(id), entry)) diff.accounts.set(id, entry);
  }
  for (const [id, entry] of groups) {
    if (!sameEntry(cache.groups.get(id), entry)) diff.groups.set(id, entry);
  }
  for (const [g, m] of members) {
    for (const [k, present] of m) {
      if (present === cache.hasMember(g, k)) continue;
      (present ? diff.memberAdds : diff.memberRemoves).push({ source, groupId: g, member: k });
    }
  }
  return diff;
}

/** Held and new (null: removed) are the same row, or both absent. */
const sameEntry = (held: object | undefined, entry: object | null): boolean => (held === undefined || entry === null ? held === undefined && entry === null : sameJson(held, entry));
