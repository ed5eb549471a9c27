import type { Account } from '../model/account.js';
import type { Rows } from '../model/change-set.js';
import type { Group } from '../model/group.js';
import type { MemberKey } from '../resolve/source-state.js';
import type { SourceCache } from './source-cache.js';

/** One direct membership of one source, in the shape the change set stores it. */
export interface MemberChange {
  readonly source: string;
  readonly groupId: string;
  readonly member: MemberKey;
  /** One id string per member (shared by its memberships), when the diff has it: the cache keeps it without a lookup. */
  readonly memberId?: string;
}

/**
 * The real changes one run makes to one source's data (no-ops already dropped). `null` removes.
 * It is applied to the cache in place before resolution and reverted if the commit fails. The
 * membership lists are the change set's rows themselves (an initial apply's million are read from
 * ids by group: GroupedMembers); the accounts' and groups' JSON is made again when the store
 * writes their rows, not held here.
 */
export interface RawDiff {
  readonly accounts: Map<string, Account | null>;
  readonly groups: Map<string, Group | null>;
  readonly memberAdds: Rows<MemberChange>;
  readonly memberRemoves: Rows<MemberChange>;
}

/** An edit of the cache: a RawDiff, or the undo of one. */
export type CacheEdit = RawDiff;

export const emptyRawDiff = (): RawDiff => ({ accounts: new Map(), groups: new Map(), memberAdds: [], memberRemoves: [] });

export const isEmptyRawDiff = (d: RawDiff): boolean =>
  d.accounts.size === 0 && d.groups.size === 0 && d.memberAdds.length === 0 && d.memberRemoves.length === 0;

/** Applies `diff` to `cache` and returns the diff that undoes it. */
export function applyRawDiff(cache: SourceCache, diff: CacheEdit): CacheEdit {
  const undo: CacheEdit = { accounts: new Map(), groups: new Map(), memberAdds: [], memberRemoves: [] };
  // forEach, not for-of: no [key, value] array per entry (100k of them in an initial apply).
  diff.accounts.forEach((entry, id) => {
    undo.accounts.set(id, cache.accounts.get(id) ?? null);
    cache.setAccount(id, entry);
  });
  diff.groups.forEach((entry, id) => {
    undo.groups.set(id, cache.groups.get(id) ?? null);
    cache.setGroup(id, entry);
  });
  for (const m of diff.memberRemoves) cache.setMember(m.groupId, m.member, false);
  for (const m of diff.memberAdds) cache.setMember(m.groupId, m.member, true, m.memberId);
  // Membership changes are their own inverse with the lists swapped: no copies.
  return { accounts: undo.accounts, groups: undo.groups, memberAdds: diff.memberRemoves, memberRemoves: diff.memberAdds };
}
