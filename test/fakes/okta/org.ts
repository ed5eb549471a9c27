import { randomUUID } from 'node:crypto';

/**
 * The data of a fake Okta org: users, groups, direct memberships and the System Log, with the
 * timestamps Okta keeps (`lastUpdated` on users and groups, `lastMembershipUpdated` on groups)
 * and the events Okta writes for each change. Ids grow monotonically, so id order is creation
 * order and `after` cursors (the last id of a page) are stable while the data changes.
 */

export const USER_STATUSES = ['STAGED', 'PROVISIONED', 'ACTIVE', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'SUSPENDED', 'DEPROVISIONED'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];
export type GroupType = 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';

export interface UserRec {
  id: string;
  status: UserStatus;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  profile: Record<string, unknown>;
  emails: { value: string; status: 'VERIFIED' | 'UNVERIFIED'; type: 'PRIMARY' | 'SECONDARY' }[];
  /** Serialized form, rebuilt after each change. */
  json: string | null;
}

export interface GroupRec {
  id: string;
  type: GroupType;
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  name: string;
  description: string;
  /** Member user ids, sorted. */
  members: string[];
}

export interface LogRec {
  seq: number;
  uuid: string;
  published: string;
  eventType: string;
  displayMessage: string;
  severity: 'INFO';
  outcome: { result: 'SUCCESS' };
  actor: { id: string; type: 'User'; alternateId: string; displayName: string };
  target: { id: string; type: 'User' | 'UserGroup'; alternateId: string; displayName: string }[];
}

export interface NewUser {
  login: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  status?: UserStatus;
  /** Whether Okta reports the primary email as verified (default true). */
  emailVerified?: boolean;
  profile?: Record<string, unknown>;
}

const ADMIN = { id: '00uadmin000000000000', type: 'User' as const, alternateId: 'admin@example.com', displayName: 'Admin' };

/** Index of the first element of sorted `arr` greater than `key`. */
export function upperBound(arr: readonly string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class FakeOrg {
  readonly users = new Map<string, UserRec>();
  /** User ids in id order. */
  readonly userIds: string[] = [];
  readonly groups = new Map<string, GroupRec>();
  readonly groupIds: string[] = [];
  readonly log: LogRec[] = [];
  private nextUser = 1;
  private nextGroup = 1;
  origin = 'http://127.0.0.1';

  constructor(readonly now: () => number = Date.now) {}

  private stamp(): string {
    return new Date(this.now()).toISOString();
  }

  // ---------------------------------------------------------------- users

  addUser(u: NewUser, opts: { silent?: boolean; at?: string } = {}): string {
    const id = `00u${(this.nextUser++).toString(36).padStart(17, '0')}`;
    const at = opts.at ?? this.stamp();
    const status = u.status ?? 'ACTIVE';
    const email = u.email ?? u.login;
    const rec: UserRec = {
      id,
      status,
      created: at,
      activated: status === 'STAGED' ? null : at,
      statusChanged: at,
      lastLogin: null,
      lastUpdated: at,
      passwordChanged: at,
      profile: { firstName: u.firstName ?? 'Test', lastName: u.lastName ?? 'User', login: u.login, email, ...u.profile },
      emails: [{ value: email, status: u.emailVerified === false ? 'UNVERIFIED' : 'VERIFIED', type: 'PRIMARY' }],
      json: null,
    };
    this.users.set(id, rec);
    this.userIds.push(id);
    if (!opts.silent) this.event('user.lifecycle.create', [this.userTarget(rec)]);
    return id;
  }

  updateUser(id: string, profile: Record<string, unknown>): void {
    const u = this.user(id);
    u.profile = { ...u.profile, ...profile };
    if (typeof profile.email === 'string') u.emails = [{ value: profile.email, status: u.emails[0]?.status ?? 'VERIFIED', type: 'PRIMARY' }];
    this.touch(u);
  }

  /** Changes a user's status the way the lifecycle operations do (deactivate, suspend, ...). */
  setStatus(id: string, status: UserStatus): void {
    const u = this.user(id);
    const before = u.status;
    u.status = status;
    u.statusChanged = this.stamp();
    if (status === 'ACTIVE' && !u.activated) u.activated = u.statusChanged;
    this.touch(u);
    const type =
      status === 'DEPROVISIONED'
        ? 'user.lifecycle.deactivate'
        : status === 'SUSPENDED'
          ? 'user.lifecycle.suspend'
          : before === 'SUSPENDED'
            ? 'user.lifecycle.unsuspend'
            : before === 'DEPROVISIONED'
              ? 'user.lifecycle.reactivate'
              : 'user.lifecycle.activate';
    this.event(type, [this.userTarget(u)]);
  }

  /** Deletes a user (deactivating it first, as Okta requires); its memberships go with it. */
  deleteUser(id: string): void {
    const u = this.user(id);
    if (u.status !== 'DEPROVISIONED') this.setStatus(id, 'DEPROVISIONED');
    this.event('user.lifecycle.delete.initiated', [this.userTarget(u)]);
    for (const g of this.groups.values()) {
      const i = g.members.indexOf(id);
      if (i >= 0) {
        g.members.splice(i, 1);
        g.lastMembershipUpdated = this.stamp();
      }
    }
    this.users.delete(id);
    this.userIds.splice(this.userIds.indexOf(id), 1);
    this.event('user.lifecycle.delete.completed', [this.userTarget(u)]);
  }

  user(id: string): UserRec {
    const u = this.users.get(id);
    if (!u) throw new Error(`no user ${id}`);
    return u;
  }

  userByLogin(login: string): UserRec {
    for (const u of this.users.values()) if (u.profile.login === login) return u;
    throw new Error(`no user ${login}`);
  }

  /** The user as the API returns it. */
  userJson(u: UserRec): string {
    u.json ??= JSON.stringify({
      id: u.id,
      status: u.status,
      created: u.created,
      activated: u.activated,
      statusChanged: u.statusChanged,
      lastLogin: u.lastLogin,
      lastUpdated: u.lastUpdated,
      passwordChanged: u.passwordChanged,
      type: { id: 'oty1fake0000000000000' },
      profile: u.profile,
      credentials: { emails: u.emails, provider: { type: 'OKTA', name: 'OKTA' } },
      _links: { self: { href: `${this.origin}/api/v1/users/${u.id}` } },
    });
    return u.json;
  }

  // ---------------------------------------------------------------- groups

  addGroup(g: { name: string; type?: GroupType; description?: string }, opts: { silent?: boolean; at?: string } = {}): string {
    const id = `00g${(this.nextGroup++).toString(36).padStart(17, '0')}`;
    const at = opts.at ?? this.stamp();
    this.groups.set(id, { id, type: g.type ?? 'OKTA_GROUP', created: at, lastUpdated: at, lastMembershipUpdated: at, name: g.name, description: g.description ?? '', members: [] });
    this.groupIds.push(id);
    if (!opts.silent) this.event('group.lifecycle.create', [this.groupTarget(this.group(id))]);
    return id;
  }

  renameGroup(id: string, name: string): void {
    const g = this.group(id);
    g.name = name;
    g.lastUpdated = this.stamp();
    this.event('group.profile.update', [this.groupTarget(g)]);
  }

  deleteGroup(id: string): void {
    const g = this.group(id);
    this.groups.delete(id);
    this.groupIds.splice(this.groupIds.indexOf(id), 1);
    this.event('group.lifecycle.delete', [this.groupTarget(g)]);
  }

  addMember(groupId: string, userId: string, opts: { silent?: boolean } = {}): void {
    const g = this.group(groupId);
    const u = this.user(userId);
    const at = upperBound(g.members, userId);
    if (g.members[at - 1] === userId) return;
    g.members.splice(at, 0, userId);
    if (opts.silent) return;
    g.lastMembershipUpdated = this.stamp();
    this.event('group.user_membership.add', [this.userTarget(u), this.groupTarget(g)]);
  }

  removeMember(groupId: string, userId: string): void {
    const g = this.group(groupId);
    const i = g.members.indexOf(userId);
    if (i < 0) return;
    g.members.splice(i, 1);
    g.lastMembershipUpdated = this.stamp();
    const u = this.users.get(userId);
    this.event('group.user_membership.remove', [u ? this.userTarget(u) : { id: userId, type: 'User', alternateId: userId, displayName: userId }, this.groupTarget(g)]);
  }

  group(id: string): GroupRec {
    const g = this.groups.get(id);
    if (!g) throw new Error(`no group ${id}`);
    return g;
  }

  groupByName(name: string): GroupRec {
    for (const g of this.groups.values()) if (g.name === name) return g;
    throw new Error(`no group ${name}`);
  }

  groupJson(g: GroupRec): string {
    return JSON.stringify({
      id: g.id,
      created: g.created,
      lastUpdated: g.lastUpdated,
      lastMembershipUpdated: g.lastMembershipUpdated,
      objectClass: ['okta:user_group'],
      type: g.type,
      profile: { name: g.name, description: g.description },
      _links: { users: { href: `${this.origin}/api/v1/groups/${g.id}/users` } },
    });
  }

  /** Moves every timestamp so far `ms` into the past (an org that existed before the test). */
  age(ms: number): void {
    const back = (iso: string | null): string | null => (iso === null ? null : new Date(Date.parse(iso) - ms).toISOString());
    for (const u of this.users.values()) {
      u.created = back(u.created)!;
      u.activated = back(u.activated);
      u.statusChanged = back(u.statusChanged);
      u.lastUpdated = back(u.lastUpdated)!;
      u.passwordChanged = back(u.passwordChanged);
      u.json = null;
    }
    for (const g of this.groups.values()) {
      g.created = back(g.created)!;
      g.lastUpdated = back(g.lastUpdated)!;
      g.lastMembershipUpdated = back(g.lastMembershipUpdated)!;
    }
    for (const e of this.log) e.published = back(e.published)!;
  }

  // ---------------------------------------------------------------- log

  private event(eventType: string, target: LogRec['target']): void {
    this.log.push({
      seq: this.log.length,
      uuid: randomUUID(),
      published: this.stamp(),
      eventType,
      displayMessage: eventType,
      severity: 'INFO',
      outcome: { result: 'SUCCESS' },
      actor: ADMIN,
      target,
    });
  }

  private touch(u: UserRec): void {
    u.lastUpdated = this.stamp();
    u.json = null;
  }

  private userTarget(u: UserRec): LogRec['target'][number] {
    return { id: u.id, type: 'User', alternateId: String(u.profile.login), displayName: `${u.profile.firstName} ${u.profile.lastName}` };
  }

  private groupTarget(g: GroupRec): LogRec['target'][number] {
    return { id: g.id, type: 'UserGroup', alternateId: g.name, displayName: g.name };
  }
}
