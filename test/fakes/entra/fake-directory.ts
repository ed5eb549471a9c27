/**
 * The state of a fake Entra tenant for the fake Microsoft Graph: users, groups (with direct
 * members), service principals (one may carry app roles, with assignments), a recycle bin, and a
 * change log that delta rounds are computed from. Every mutation appends to the log with a
 * growing sequence number; a delta token remembers the sequence number its round started at.
 */

export type Collection = 'users' | 'groups' | 'servicePrincipals';
export type ODataType = '#microsoft.graph.user' | '#microsoft.graph.group' | '#microsoft.graph.servicePrincipal' | '#microsoft.graph.device';

export type Obj = Record<string, unknown> & { id: string };

export interface AppRole {
  readonly id: string;
  readonly value: string;
  readonly displayName?: string;
  readonly isEnabled?: boolean;
  readonly allowedMemberTypes?: readonly string[];
}

export interface Assignment {
  readonly id: string;
  readonly appRoleId: string;
  readonly principalId: string;
  readonly principalType: 'User' | 'Group' | 'ServicePrincipal';
  readonly resourceId: string;
}

export type Change =
  | { readonly seq: number; readonly c: Collection; readonly id: string; readonly t: 'created' | 'restored' }
  | { readonly seq: number; readonly c: Collection; readonly id: string; readonly t: 'props'; readonly props: readonly string[] }
  | { readonly seq: number; readonly c: Collection; readonly id: string; readonly t: 'removed'; readonly reason: 'changed' | 'deleted' }
  | { readonly seq: number; readonly c: 'groups'; readonly id: string; readonly t: 'member'; readonly member: string; readonly type: ODataType; readonly present: boolean };

const TYPE_OF: Readonly<Record<Collection, ODataType>> = {
  users: '#microsoft.graph.user',
  groups: '#microsoft.graph.group',
  servicePrincipals: '#microsoft.graph.servicePrincipal',
};

export class FakeDirectory {
  readonly objects: Record<Collection, Map<string, Obj>> = { users: new Map(), groups: new Map(), servicePrincipals: new Map() };
  /** Soft-deleted objects (the recycle bin). */
  readonly recycled: Record<Collection, Map<string, Obj>> = { users: new Map(), groups: new Map(), servicePrincipals: new Map() };
  /** Direct members per group: member id -> its @odata.type. */
  readonly members = new Map<string, Map<string, ODataType>>();
  readonly assignments = new Map<string, Assignment>();
  /** The change log is only kept once tracking starts (after bulk loading, for the benchmark). */
  private log: Change[] = [];
  seq = 0;
  tracking = true;

  /** Changes of one collection after `since`, in order. */
  changesSince(c: Collection, since: number): Change[] {
    // Binary search for the first entry after `since` (the log is in seq order).
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.log[mid]!.seq <= since) lo = mid + 1;
      else hi = mid;
    }
    return this.log.slice(lo).filter((e) => e.c === c);
  }

  private record(change: Change extends infer C ? (C extends Change ? Omit<C, 'seq'> : never) : never): void {
    this.seq++;
    if (this.tracking) this.log.push({ ...change, seq: this.seq } as Change);
  }

  add(c: Collection, obj: Obj): Obj {
    this.objects[c].set(obj.id, { ...obj });
    if (c === 'groups' && !this.members.has(obj.id)) this.members.set(obj.id, new Map());
    this.record({ c, id: obj.id, t: 'created' });
    return obj;
  }

  update(c: Collection, id: string, props: Record<string, unknown>): void {
    const obj = this.objects[c].get(id);
    if (!obj) throw new Error(`fake: no ${c} ${id}`);
    Object.assign(obj, props);
    this.record({ c, id, t: 'props', props: Object.keys(props) });
  }

  /** Soft delete (recycle bin): delta reports `@removed: changed`. Memberships are kept for a restore. */
  softDelete(c: Collection, id: string): void {
    const obj = this.objects[c].get(id);
    if (!obj) throw new Error(`fake: no ${c} ${id}`);
    this.objects[c].delete(id);
    this.recycled[c].set(id, obj);
    this.record({ c, id, t: 'removed', reason: 'changed' });
  }

  restore(c: Collection, id: string): void {
    const obj = this.recycled[c].get(id);
    if (!obj) throw new Error(`fake: ${c} ${id} is not in the recycle bin`);
    this.recycled[c].delete(id);
    this.objects[c].set(id, obj);
    this.record({ c, id, t: 'restored' });
  }

  /**
   * Permanent delete: delta reports `@removed: deleted`. Like Entra, the object silently leaves
   * every group and loses its assignments: group delta rounds do not report those removals.
   */
  hardDelete(c: Collection, id: string): void {
    if (!this.objects[c].delete(id) && !this.recycled[c].delete(id)) throw new Error(`fake: no ${c} ${id}`);
    for (const m of this.members.values()) m.delete(id);
    if (c === 'groups') this.members.delete(id);
    for (const [aid, a] of this.assignments) if (a.principalId === id) this.assignments.delete(aid);
    this.record({ c, id, t: 'removed', reason: 'deleted' });
  }

  addMember(groupId: string, memberId: string, c: Collection | 'devices' = 'users'): void {
    const type: ODataType = c === 'devices' ? '#microsoft.graph.device' : TYPE_OF[c];
    this.members.get(groupId)!.set(memberId, type);
    this.record({ c: 'groups', id: groupId, t: 'member', member: memberId, type, present: true });
  }

  removeMember(groupId: string, memberId: string): void {
    const m = this.members.get(groupId)!;
    const type = m.get(memberId);
    if (!type) throw new Error(`fake: ${memberId} is not a member of ${groupId}`);
    m.delete(memberId);
    this.record({ c: 'groups', id: groupId, t: 'member', member: memberId, type, present: false });
  }

  assign(resourceId: string, appRoleId: string, principalId: string, principalType: Assignment['principalType']): string {
    const id = `asg-${this.assignments.size}-${principalId}-${appRoleId}`.slice(0, 64);
    this.assignments.set(id, { id, appRoleId, principalId, principalType, resourceId });
    return id;
  }

  unassign(principalId: string, appRoleId: string): void {
    for (const [id, a] of this.assignments) if (a.principalId === principalId && a.appRoleId === appRoleId) this.assignments.delete(id);
  }
}
