import type { Group } from '../../src/model/group.js';
import type { Membership, MemberType } from '../../src/model/membership.js';
import type { SourceBatch } from '../connector.js';
import type { DeltaStream } from './delta-stream.js';
import type { GraphJson } from './graph-client.js';
import { groupIncluded, groupOf, servicePrincipalIncluded } from './map-objects.js';
import { FULL_CHUNK, MEMBERSHIP_CHUNK, type RunContext } from './run-context.js';
import { idOf, mergeInto, removedReason, type DirRecord } from './records.js';

export interface MemberRef {
  readonly memberType: MemberType;
  readonly memberId: string;
}

/**
 * A member entry of `members@delta` (or an app-role assignment's principal) as a Roster member:
 * users and service principals are accounts, groups are groups. Devices, contacts and service
 * principals that are not read are skipped.
 */
export function memberRef(odataType: unknown, id: string, ctx: RunContext): MemberRef | null {
  switch (odataType) {
    case '#microsoft.graph.user':
      return { memberType: 'account', memberId: ctx.mirror.users.get(id)?.id ?? id };
    case '#microsoft.graph.group': {
      const g = ctx.mirror.groups.get(id);
      return g && !groupIncluded(g, ctx.o) ? null : { memberType: 'group', memberId: g?.id ?? id };
    }
    case '#microsoft.graph.servicePrincipal': {
      if (!ctx.o.servicePrincipals.enabled) return null;
      const sp = ctx.mirror.servicePrincipals.get(id);
      return sp && !servicePrincipalIncluded(sp, ctx.o) ? null : { memberType: 'account', memberId: sp?.id ?? id };
    }
    default:
      return null;
  }
}

const membersDelta = (obj: GraphJson): GraphJson[] => {
  const m = obj['members@delta'];
  return Array.isArray(m) ? m.filter((x): x is GraphJson => typeof x === 'object' && x !== null) : [];
};

/** A full round's groups and their direct members (account and group member ids per group). */
export interface GroupSnapshot {
  readonly records: Map<string, DirRecord>;
  readonly accounts: Map<string, Set<string>>;
  readonly groups: Map<string, Set<string>>;
}

/**
 * Reads a whole initial round of groups. A group's members may be spread over several pages (the
 * group appears again with the next part of `members@delta`); they are collected per group. A
 * group removed during the round is dropped with its members.
 */
export async function readGroupsFull(ds: DeltaStream, ctx: RunContext): Promise<GroupSnapshot> {
  const snap: GroupSnapshot = { records: new Map(), accounts: new Map(), groups: new Map() };
  for await (const page of ds.pages()) {
    for (const obj of page) {
      const id = idOf(obj);
      if (id === null) continue;
      if (removedReason(obj) !== null) {
        snap.records.delete(id);
        snap.accounts.delete(id);
        snap.groups.delete(id);
        continue;
      }
      let rec = snap.records.get(id);
      if (!rec) snap.records.set(id, (rec = { id, props: {}, softDeleted: false }));
      mergeInto(rec, obj);
      for (const m of membersDelta(obj)) {
        const mid = idOf(m);
        const ref = mid === null ? null : memberRef(m['@odata.type'], mid, ctx);
        if (!ref) continue;
        const byGroup = ref.memberType === 'account' ? snap.accounts : snap.groups;
        let set = byGroup.get(id);
        if (!set) byGroup.set(id, (set = new Set()));
        if (m['@removed'] !== undefined) set.delete(ref.memberId);
        else set.add(ref.memberId);
      }
    }
  }
  return snap;
}

/** A full round's groups and memberships, in batches (groups of excluded types left out). */
export function* groupBatches(snap: GroupSnapshot, ctx: RunContext): Generator<SourceBatch> {
  const kept = (id: string): boolean => {
    const rec = snap.records.get(id);
    return rec !== undefined && groupIncluded(rec, ctx.o);
  };
  let groups: Group[] = [];
  for (const rec of snap.records.values()) {
    if (!kept(rec.id)) continue;
    groups.push(groupOf(rec));
    if (groups.length >= FULL_CHUNK) {
      yield { groups };
      groups = [];
    }
  }
  ctx.stats.groups += [...snap.records.keys()].filter(kept).length;
  if (groups.length) yield { groups };
  let memberships: Membership[] = [];
  for (const [byGroup, memberType] of [[snap.accounts, 'account'], [snap.groups, 'group']] as const) {
    for (const [groupId, ids] of byGroup) {
      if (!kept(groupId)) continue;
      for (const memberId of ids) {
        if (memberType === 'group' && snap.records.has(memberId) && !kept(memberId)) continue;
        memberships.push({ groupId, memberType, memberId });
        if (memberships.length >= MEMBERSHIP_CHUNK) {
          ctx.stats.memberChanges += memberships.length;
          yield { memberships };
          memberships = [];
        }
      }
    }
  }
  ctx.stats.memberChanges += memberships.length;
  if (memberships.length) yield { memberships };
}

/**
 * An incremental round of groups: one batch per page. New groups and property changes are
 * upserted (merged into the mirror: an update may carry only what changed; a group is only
 * upserted once its name is known), `@removed` (either reason) removes the group, and each
 * `members@delta` entry adds a member or, with `@removed`, removes one. Within a page the last
 * word on a group or a (group, member) pair wins; across pages the applier folds in order.
 */
export async function* groupDeltaBatches(ds: DeltaStream, ctx: RunContext): AsyncGenerator<SourceBatch> {
  const mirror = ctx.mirror.groups;
  for await (const page of ds.pages()) {
    const upserts = new Map<string, DirRecord | null>();
    const changes = new Map<string, Map<string, { ref: MemberRef; present: boolean }>>();
    for (const obj of page) {
      const id = idOf(obj);
      if (id === null) continue;
      if (removedReason(obj) !== null) {
        mirror.delete(id);
        ctx.gone.add(id);
        upserts.set(id, null);
        changes.delete(id);
        continue;
      }
      let rec = mirror.get(id);
      if (!rec) mirror.set(id, (rec = { id, props: {}, softDeleted: false }));
      if (mergeInto(rec, obj) && 'displayName' in rec.props) upserts.set(id, rec);
      for (const m of membersDelta(obj)) {
        const mid = idOf(m);
        const ref = mid === null ? null : memberRef(m['@odata.type'], mid, ctx);
        if (!ref) continue;
        let byMember = changes.get(id);
        if (!byMember) changes.set(id, (byMember = new Map()));
        byMember.set(`${ref.memberType}:${ref.memberId}`, { ref, present: m['@removed'] === undefined });
      }
    }
    const groups: Group[] = [];
    const removedGroups: string[] = [];
    for (const [id, rec] of upserts) {
      if (rec && groupIncluded(rec, ctx.o)) groups.push(groupOf(rec));
      else removedGroups.push(id);
    }
    const memberships: Membership[] = [];
    const removedMemberships: Membership[] = [];
    for (const [groupId, byMember] of changes) {
      const rec = mirror.get(groupId);
      if (ctx.gone.has(groupId) || (rec && !groupIncluded(rec, ctx.o))) continue;
      for (const { ref, present } of byMember.values()) {
        if (present && ctx.gone.has(ref.memberId)) continue;
        (present ? memberships : removedMemberships).push({ groupId, ...ref });
      }
    }
    ctx.stats.groups += groups.length;
    ctx.stats.removed += removedGroups.length;
    ctx.stats.memberChanges += memberships.length + removedMemberships.length;
    if (groups.length || removedGroups.length || memberships.length || removedMemberships.length) {
      yield { groups, removedGroups, memberships, removedMemberships };
    }
  }
}
