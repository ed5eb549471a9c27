import type { Account } from '../model/account.js';
import type { Group } from '../model/group.js';
import type { MemberKey, SourceState } from '../resolve/source-state.js';

/** An account or group together with its canonical JSON, the form the store keeps. */
export interface Cached<T> {
  readonly value: T;
  readonly json: string;
}

/**
 * The current data of one source, mutable only by the applier (which serializes all applies).
 * Implements SourceState so resolution reads it directly without copying. Membership maps hold
 * a "last seen" stamp per member, so a full snapshot can be diffed by stamping what it lists
 * instead of building a second copy of every membership.
 */
export class SourceCache implements SourceState {
  readonly accounts = new Map<string, Account>();
  readonly accountJson = new Map<string, string>();
  readonly groups = new Map<string, Group>();
  readonly groupJson = new Map<string, string>();
  readonly accountMembers = new Map<string, Map<string, number>>();
  readonly childGroups = new Map<string, Map<string, number>>();
  readonly accountGroups = new Map<string, string[]>();
  /** The stamp of the latest full-snapshot diff. */
  stamp = 0;
  /** Direct memberships held (accounts and groups), so a full snapshot that listed them all skips the scan for removals. */
  memberCount = 0;

  setAccount(id: string, entry: Cached<Account> | null): void {
    if (entry) {
      this.accounts.set(id, entry.value);
      this.accountJson.set(id, entry.json);
    } else {
      this.accounts.delete(id);
      this.accountJson.delete(id);
    }
  }

  getAccount(id: string): Cached<Account> | null {
    const json = this.accountJson.get(id);
    return json === undefined ? null : { value: this.accounts.get(id)!, json };
  }

  setGroup(id: string, entry: Cached<Group> | null): void {
    if (entry) {
      this.groups.set(id, entry.value);
      this.groupJson.set(id, entry.json);
    } else {
      this.groups.delete(id);
      this.groupJson.delete(id);
    }
  }

  getGroup(id: string): Cached<Group> | null {
    const json = this.groupJson.get(id);
    return json === undefined ? null : { value: this.groups.get(id)!, json };
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

  setMember(groupId: string, key: MemberKey, present: boolean): void {
    const id = key.slice(2);
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

  private mapFor(key: MemberKey): Map<string, Map<string, number>> {
    return key.charCodeAt(0) === 97 /* a */ ? this.accountMembers : this.childGroups;
  }
}
