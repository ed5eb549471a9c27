import type { SourceBatch, SyncProgress } from '../connector.js';
import type { Account } from '../../src/model/account.js';
import type { Group } from '../../src/model/group.js';
import type { Membership } from '../../src/model/membership.js';
import { DirectoryIndex } from './directory-index.js';
import type { EntryView } from './entry.js';
import { memberRefs, resolveRefs } from './group-members.js';
import type { EntryMapper } from './map-entry.js';
import { pagedSearch, type SearchContext } from './search.js';

/** Counts of one run, for the log line at its end. */
export interface RunStats {
  accounts: number;
  groups: number;
  memberships: number;
  removed: number;
  /** Member references to entries outside the synced users and groups. */
  droppedMembers: number;
  /** Entries without a stable id (skipped). */
  withoutId: number;
}

export const emptyStats = (): RunStats => ({ accounts: 0, groups: 0, memberships: 0, removed: 0, droppedMembers: 0, withoutId: 0 });

/** Called for every delivered entry (incremental strategies track their high-water mark with it). */
export type SeeEntry = (e: EntryView, id: string) => void;

/**
 * A full snapshot in two passes, one page per batch: users first (building the DN -> id index),
 * then groups with their direct members resolved through it. A group may name a group not read
 * yet; those references wait until the pass ends. References to DNs outside the synced set are
 * dropped (logged at debug). `done` receives the finished index.
 */
export async function* fullSnapshot(
  sc: SearchContext,
  mapper: EntryMapper,
  stats: RunStats,
  progress: (p: SyncProgress) => void,
  see: SeeEntry,
  done: (index: DirectoryIndex) => void,
): AsyncGenerator<SourceBatch> {
  const o = sc.options;
  const index = new DirectoryIndex(o.memberAttributes.some((m) => m.by === 'login'));
  let items = 0;
  const userSpec = { base: o.users.baseDN, scope: o.users.scope, filter: o.users.filter, attributes: mapper.userAttributes, binary: mapper.binary, what: 'users' };
  for await (const page of pagedSearch(sc, userSpec)) {
    const accounts: Account[] = [];
    for (const e of page) {
      const a = mapper.account(e);
      if (!a) {
        stats.withoutId++;
        continue;
      }
      accounts.push(a);
      index.setAccount(a.externalId, e.dn, mapper.login(e));
      see(e, a.externalId);
    }
    items += page.length;
    stats.accounts += accounts.length;
    progress({ items, note: 'users' });
    if (accounts.length) yield { accounts };
  }

  const waiting: [groupId: string, dn: string][] = [];
  const dropped: string[] = [];
  const groupSpec = { base: o.groups.baseDN, scope: o.groups.scope, filter: o.groups.filter, attributes: mapper.groupAttributes, binary: mapper.binary, what: 'groups' };
  for await (const page of pagedSearch(sc, groupSpec)) {
    const groups: Group[] = [];
    const read: [Group, EntryView][] = [];
    for (const e of page) {
      const g = mapper.group(e);
      if (!g) {
        stats.withoutId++;
        continue;
      }
      groups.push(g);
      read.push([g, e]);
      index.setGroup(g.externalId, e.dn);
      see(e, g.externalId);
    }
    const memberships: Membership[] = [];
    for (const [g, e] of read) {
      const r = resolveRefs(index, await memberRefs(sc, e));
      for (const m of r.members) memberships.push({ groupId: g.externalId, memberType: m.memberType, memberId: m.memberId });
      for (const dn of r.missingDns) waiting.push([g.externalId, dn]);
      for (const login of r.missingLogins) dropped.push(login);
    }
    items += page.length;
    stats.groups += groups.length;
    stats.memberships += memberships.length;
    progress({ items, note: 'groups' });
    if (groups.length || memberships.length) yield { groups, memberships };
  }

  const late: Membership[] = [];
  for (const [groupId, dn] of waiting) {
    const m = index.byNormalizedDn(dn);
    if (m) late.push({ groupId, memberType: m.memberType, memberId: m.memberId });
    else dropped.push(dn);
  }
  stats.memberships += late.length;
  stats.droppedMembers += dropped.length;
  if (dropped.length) {
    sc.ctx.log.debug({ source: sc.ctx.sourceId, dropped: dropped.length, examples: dropped.slice(0, 5) }, 'LDAP member references outside the synced users and groups were dropped');
  }
  if (late.length) yield { memberships: late };
  done(index);
}
