import type { Account } from '../model/account.js';
import type { Group } from '../model/group.js';

/** A member key inside one source: `a:<accountId>` or `g:<groupId>`. */
export type MemberKey = string;

/** Everything one source currently says: its accounts, groups and direct memberships. */
export interface SourceState {
  readonly accounts: ReadonlyMap<string, Account>;
  readonly groups: ReadonlyMap<string, Group>;
  /** groupId -> ids of the accounts directly in it (map values are bookkeeping, ignore them). */
  readonly accountMembers: ReadonlyMap<string, ReadonlyMap<string, unknown>>;
  /** groupId -> ids of the groups directly nested in it. */
  readonly childGroups: ReadonlyMap<string, ReadonlyMap<string, unknown>>;
  /** accountId -> ids of the groups it is directly in (the reverse of `accountMembers`; no order, no duplicates). */
  readonly accountGroups: ReadonlyMap<string, readonly string[]>;
}

export const accountMemberKey = (accountId: string): MemberKey => `a:${accountId}`;
export const groupMemberKey = (groupId: string): MemberKey => `g:${groupId}`;
