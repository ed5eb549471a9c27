import { Control } from 'ldapts';
import type { SourceBatch, SyncProgress } from '../connector.js';
import type { Account } from '../../src/model/account.js';
import type { Group } from '../../src/model/group.js';
import type { Membership } from '../../src/model/membership.js';
import { normalizeDn } from './dn.js';
import type { DirectoryIndex } from './directory-index.js';
import type { EntryView } from './entry.js';
import type { RunStats, SeeEntry } from './full-sync.js';
import { lookupMissing, memberRefs, resolveRefs, type MemberRefs } from './group-members.js';
import type { EntryMapper } from './map-entry.js';
import { pagedSearch, type SearchContext } from './search.js';

/** AD's Show Deleted control: tombstones (isDeleted=TRUE) become visible to searches. */
export const SHOW_DELETED_OID = '1.2.840.113556.1.4.417';

export interface DeltaPlan {
  /** ANDed to the user and group filters, e.g. `(entryCSN>=...)` or `(uSNChanged>=...)`. */
  readonly changed: string;
  /** Entries already delivered by the previous run (same id and change mark). */
  readonly skip?: (e: EntryView, id: string) => boolean;
  /** AD: where and how to find tombstones of deleted objects. */
  readonly tombstones?: { readonly base: string; readonly filter: string };
}

/**
 * An incremental run: changed users (upserts), changed groups (upserts with their whole current
 * member list as `replaceMembers`) and, on AD, deletions from tombstones. Members the index does
 * not know are looked up in the directory; those outside the synced set are dropped.
 */
export async function* deltaRun(
  sc: SearchContext,
  mapper: EntryMapper,
  index: DirectoryIndex,
  plan: DeltaPlan,
  stats: RunStats,
  progress: (p: SyncProgress) => void,
  see: SeeEntry,
): AsyncGenerator<SourceBatch> {
  const o = sc.options;
  let items = 0;
  const userSpec = { base: o.users.baseDN, scope: o.users.scope, filter: `(&${o.users.filter}${plan.changed})`, attributes: mapper.changedUserAttributes, binary: mapper.binary, what: 'changed users' };
  for await (const page of pagedSearch(sc, userSpec)) {
    const accounts: Account[] = [];
    const memberships: Membership[] = [];
    for (const e of page) {
      const a = mapper.account(e);
      if (!a) {
        stats.withoutId++;
        continue;
      }
      index.setAccount(a.externalId, e.dn, mapper.login(e));
      // Seen even when skipped: it was delivered before, and still is as of the new mark.
      see(e, a.externalId);
      if (plan.skip?.(e, a.externalId)) continue;
      accounts.push(a);
      // memberOf (AD): groups this user is in, as known; changed groups are re-read below anyway.
      if (o.memberOf) {
        for (const dn of e.strings('memberOf')) {
          const g = index.byNormalizedDn(normalizeDn(dn));
          if (g?.memberType === 'group') memberships.push({ groupId: g.memberId, memberType: 'account', memberId: a.externalId });
        }
      }
    }
    items += page.length;
    stats.accounts += accounts.length;
    stats.memberships += memberships.length;
    progress({ items, note: 'changed users' });
    if (accounts.length) yield memberships.length ? { accounts, memberships } : { accounts };
  }

  const groupSpec = { base: o.groups.baseDN, scope: o.groups.scope, filter: `(&${o.groups.filter}${plan.changed})`, attributes: mapper.groupAttributes, binary: mapper.binary, what: 'changed groups' };
  for await (const page of pagedSearch(sc, groupSpec)) {
    const read: [Group, EntryView][] = [];
    for (const e of page) {
      const g = mapper.group(e);
      if (!g) {
        stats.withoutId++;
        continue;
      }
      index.setGroup(g.externalId, e.dn);
      see(e, g.externalId);
      if (plan.skip?.(e, g.externalId)) continue;
      read.push([g, e]);
    }
    const refs: [Group, MemberRefs][] = [];
    const missingDns: string[] = [];
    const missingLogins: string[] = [];
    for (const [g, e] of read) {
      const r = await memberRefs(sc, e);
      refs.push([g, r]);
      const first = resolveRefs(index, r);
      missingDns.push(...first.missingDns);
      missingLogins.push(...first.missingLogins);
    }
    if (missingDns.length || missingLogins.length) await lookupMissing(sc, mapper, index, missingDns, missingLogins);
    const replaceMembers: { groupId: string; members: Omit<Membership, 'groupId'>[] }[] = [];
    for (const [g, r] of refs) {
      const resolved = resolveRefs(index, r);
      stats.droppedMembers += resolved.missingDns.length + resolved.missingLogins.length;
      const members = [...new Set(resolved.members)];
      stats.memberships += members.length;
      replaceMembers.push({ groupId: g.externalId, members });
    }
    items += page.length;
    stats.groups += read.length;
    progress({ items, note: 'changed groups' });
    if (read.length) yield { groups: read.map(([g]) => g), replaceMembers };
  }

  if (!plan.tombstones) return;
  const tombSpec = {
    base: plan.tombstones.base,
    scope: 'sub' as const,
    filter: plan.tombstones.filter,
    attributes: [o.attributes.id, 'objectClass'],
    binary: mapper.binary,
    controls: [new Control(SHOW_DELETED_OID, { critical: true })],
    what: 'deleted objects',
  };
  for await (const page of pagedSearch(sc, tombSpec)) {
    const removedAccounts: string[] = [];
    const removedGroups: string[] = [];
    for (const e of page) {
      const id = mapper.stableId(e);
      if (!id) continue;
      const isGroup = e.strings('objectClass').some((c) => c.toLowerCase() === 'group');
      (isGroup ? removedGroups : removedAccounts).push(id);
      if (isGroup) index.removeGroup(id);
      else index.removeAccount(id);
    }
    items += page.length;
    stats.removed += removedAccounts.length + removedGroups.length;
    progress({ items, note: 'deleted objects' });
    if (removedAccounts.length || removedGroups.length) yield { removedAccounts, removedGroups };
  }
}
