import type { Account } from '../model/account.js';
import type { Group } from '../model/group.js';

/** A member key inside one source: `a:<accountId>` or `g:<groupId>`. */
export type MemberKey = string;

/** Everything one source currently says: its accounts, groups and direct memberships. */
export interface SourceState {
  readonly accounts: ReadonlyMap<string, Account>;
  readonly groups: ReadonlyMap<string, Group>;
  /** groupId -> member keys of its direct members. */
  readonly members: ReadonlyMap<string, ReadonlySet<MemberKey>>;
  /** accountId -> ids of the groups it is directly in (the reverse of `members`). */
  readonly accountGroups: ReadonlyMap<string, ReadonlySet<string>>;
}

export const accountMemberKey = (accountId: string): MemberKey => `a:${accountId}`;
export const groupMemberKey = (groupId: string): MemberKey => `g:${groupId}`;
