import type { Account } from '../model/account.js';
import type { Group } from '../model/group.js';
import type { MemberKey } from '../resolve/source-state.js';
import type { Cached, SourceCache } from './source-cache.js';

/**
 * The real changes one run makes to one source's data (no-ops already dropped). `null` removes.
 * It is applied to the cache in place before resolution and reverted if the commit fails.
 */
export interface RawDiff {
  readonly accounts: Map<string, Cached<Account> | null>;
  readonly groups: Map<string, Cached<Group> | null>;
  readonly memberAdds: [string, MemberKey][];
  readonly memberRemoves: [string, MemberKey][];
}

export const emptyRawDiff = (): RawDiff => ({ accounts: new Map(), groups: new Map(), memberAdds: [], memberRemoves: [] });

export const isEmptyRawDiff = (d: RawDiff): boolean =>
  d.accounts.size === 0 && d.groups.size === 0 && d.memberAdds.length === 0 && d.memberRemoves.length === 0;

/** Applies `diff` to `cache` and returns the diff that undoes it. */
export function applyRawDiff(cache: SourceCache, diff: RawDiff): RawDiff {
  const undo = emptyRawDiff();
  for (const [id, entry] of diff.accounts) {
    undo.accounts.set(id, cache.getAccount(id));
    cache.setAccount(id, entry);
  }
  for (const [id, entry] of diff.groups) {
    undo.groups.set(id, cache.getGroup(id));
    cache.setGroup(id, entry);
  }
  for (const [g, k] of diff.memberRemoves) cache.setMember(g, k, false);
  for (const [g, k] of diff.memberAdds) cache.setMember(g, k, true);
  // Membership changes are their own inverse with the lists swapped: no copies.
  return { accounts: undo.accounts, groups: undo.groups, memberAdds: diff.memberRemoves, memberRemoves: diff.memberAdds };
}
