import type { Membership } from '../../src/model/membership.js';
import { normalizeDn } from './dn.js';
import { DnTable } from './dn-table.js';

/** A synced entry as a member: shared by every membership naming it (one object per entry). */
export type MemberRef = Omit<Membership, 'groupId'>;

/**
 * Where each synced entry lives: normalized DN -> account or group, and login -> account (for
 * posix `memberUid`). Member lists name DNs, the store names stable ids; this map turns one into
 * the other, so a renamed entry keeps its principal. About 100 bytes per entry.
 */
export class DirectoryIndex {
  private readonly byDn = new DnTable<MemberRef>();
  private readonly accountDn = new Map<string, string>();
  private readonly groupDn = new Map<string, string>();
  private readonly byLogin = new Map<string, MemberRef>();
  private readonly loginOf = new Map<string, string>();

  constructor(private readonly trackLogins: boolean) {}

  get size(): number {
    return this.accountDn.size + this.groupDn.size;
  }

  setAccount(id: string, dn: string, login: string | undefined): void {
    const ref = this.set(this.accountDn, 'account', id, dn);
    if (!this.trackLogins) return;
    const old = this.loginOf.get(id);
    if (old !== undefined && this.byLogin.get(old)?.memberId === id) this.byLogin.delete(old);
    if (login) {
      const l = login.toLowerCase();
      this.byLogin.set(l, ref);
      this.loginOf.set(id, l);
    } else {
      this.loginOf.delete(id);
    }
  }

  setGroup(id: string, dn: string): void {
    this.set(this.groupDn, 'group', id, dn);
  }

  removeAccount(id: string): void {
    this.unset(this.accountDn, id);
    const l = this.loginOf.get(id);
    if (l !== undefined && this.byLogin.get(l)?.memberId === id) this.byLogin.delete(l);
    this.loginOf.delete(id);
  }

  removeGroup(id: string): void {
    this.unset(this.groupDn, id);
  }

  /** The member a DN (already normalized) names, if it is synced. */
  byNormalizedDn(normalized: string): MemberRef | undefined {
    return this.byDn.get(normalized);
  }

  accountByLogin(login: string): MemberRef | undefined {
    return this.byLogin.get(login.toLowerCase());
  }

  private set(dns: Map<string, string>, memberType: MemberRef['memberType'], id: string, dn: string): MemberRef {
    const n = normalizeDn(dn);
    const old = dns.get(id);
    const had = old !== undefined ? this.byDn.get(old) : undefined;
    if (old !== undefined && old !== n && had?.memberId === id && had.memberType === memberType) this.byDn.delete(old);
    const ref = had?.memberId === id && had.memberType === memberType ? had : { memberType, memberId: id };
    this.byDn.set(n, ref);
    dns.set(id, n);
    return ref;
  }

  private unset(dns: Map<string, string>, id: string): void {
    const dn = dns.get(id);
    if (dn !== undefined && this.byDn.get(dn)?.memberId === id) this.byDn.delete(dn);
    dns.delete(id);
  }
}
