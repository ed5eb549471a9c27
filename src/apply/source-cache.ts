import type { Account } from '../model/account.js';
import type { Group } from '../model/group.js';
import type { MemberKey, SourceState } from '../resolve/source-state.js';

/**
 * The current data of one source, mutable only by the applier (which serializes all applies).
 * Implements SourceState so resolution reads it directly without copying. It keeps values, not
 * their JSON or digests of it: a diff compares a value with the one held (sameJson). Membership maps hold
 * a "last seen" stamp per member, so a full snapshot can be diffed by stamping what it lists
 * instead of building a second copy of every membership.
 */
export class SourceCache implements SourceState {
  readonly accounts = new Map<string, Account>();
  readonly groups = new Map<string, Group>();
  readonly accountMembers = new Map<string, Map<string, number>>();
  readonly childGroups = new Map<string, Map<string, number>>();
  readonly accountGroups = new Map<string, string[]>();
  /** The stamp of the latest full-snapshot diff. */
  stamp = 0;
  /** Direct memberships held (accounts and groups), so a full snapshot that listed them all skips the scan for removals. */
  memberCount = 0;

  setAccount(id: string, value: Account | null): void {
    if (value) this.accounts.set(id, value);
    else this.accounts.delete(id);
  }

  setGroup(id: string, value: Group | null): void {
    if (value) this.groups.set(id, value);
    else this.groups.delete(id);
  }

  hasMember(groupId: string, key: MemberKey): boolean {
    return this.mapFor(key).get(groupId)?.has(key.slice(2)) ?? false;
  }

  /** Direct member keys of a group (`a:<id>` / `g:<id>`). */
  membersOf(groupId: string): MemberKey[] {
    const out: MemberKey[] = [];
    for (const id of this.accountMembers.get(groupId)?.keys() ?? []) out.push(`a:${id}`);
    for (const id of this.childGroups.get(groupId)?.keys() ?? []) out.push(`g:${id}`);
    return out;
  }

  /** Groups that have at least one direct member. */
  groupsWithMembers(): Set<string> {
    return new Set([...this.accountMembers.keys(), ...this.childGroups.keys()]);
  }

  /** `memberId`: the id string to keep, when the caller has one (else the member's own is looked up). */
  setMember(groupId: string, key: MemberKey, present: boolean, memberId?: string): void {
    const id = memberId ?? (present ? this.memberId(key) : key.slice(2));
    const byGroup = this.mapFor(key);
    let members = byGroup.get(groupId);
    let changed: boolean;
    if (present) {
      if (!members) byGroup.set(groupId, (members = new Map()));
      const before = members.size;
      changed = members.set(id, this.stamp).size !== before;
    } else {
      changed = members?.delete(id) ?? false;
      if (members?.size === 0) byGroup.delete(groupId);
    }
    if (!changed) return;
    this.memberCount += present ? 1 : -1;
    if (byGroup !== this.accountMembers) return;
    // Keep the reverse index (account -> its groups) in step. Arrays, not sets: an account is in
    // a few groups, and a million small sets cost far more memory and time to build.
    const groups = this.accountGroups.get(id);
    if (present) {
      if (groups) groups.push(groupId);
      else this.accountGroups.set(id, [groupId]);
    } else if (groups) {
      const i = groups.indexOf(groupId);
      if (i >= 0) {
        groups[i] = groups[groups.length - 1]!;
        groups.pop();
      }
      if (groups.length === 0) this.accountGroups.delete(id);
    }
  }

  /**
   * The id a stored membership keeps: the member's own externalId string when it is cached, so a
   * million memberships share 100k id strings. `key.slice(2)` alone would keep each membership's
   * own `a:<id>` key string alive behind a slice (about 70 MB at 1M memberships).
   */
  private memberId(key: MemberKey): string {
    const id = key.slice(2);
    return (key.charCodeAt(0) === 97 /* a */ ? this.accounts.get(id)?.externalId : this.groups.get(id)?.externalId) ?? id;
  }

  private mapFor(key: MemberKey): Map<string, Map<string, number>> {
    return key.charCodeAt(0) === 97 /* a */ ? this.accountMembers : this.childGroups;
  }
}
