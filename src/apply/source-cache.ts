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
 * Implements SourceState so resolution reads it directly without copying.
 */
export class SourceCache implements SourceState {
  readonly accounts = new Map<string, Account>();
  readonly accountJson = new Map<string, string>();
  readonly groups = new Map<string, Group>();
  readonly groupJson = new Map<string, string>();
  readonly members = new Map<string, Set<MemberKey>>();
  readonly accountGroups = new Map<string, Set<string>>();

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
    return this.members.get(groupId)?.has(key) ?? false;
  }

  setMember(groupId: string, key: MemberKey, present: boolean): void {
    const set = this.members.get(groupId);
    if (present) {
      if (set) set.add(key);
      else this.members.set(groupId, new Set([key]));
    } else if (set) {
      set.delete(key);
      if (set.size === 0) this.members.delete(groupId);
    }
    if (key.charCodeAt(0) !== 97 /* a */) return;
    // Keep the reverse index (account -> its groups) in step.
    const accountId = key.slice(2);
    const groups = this.accountGroups.get(accountId);
    if (present) {
      if (groups) groups.add(groupId);
      else this.accountGroups.set(accountId, new Set([groupId]));
    } else if (groups) {
      groups.delete(groupId);
      if (groups.size === 0) this.accountGroups.delete(accountId);
    }
  }
}
