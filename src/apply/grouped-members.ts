import type { Rows } from '../model/change-set.js';
import type { MemberKey } from '../resolve/source-state.js';
import type { MemberChange } from './raw-diff.js';

/**
 * New direct memberships of one source kept as group -> member ids (accounts, then nested
 * groups), read as change-set rows in group order, so the store appends to its (source, group,
 * member) key. An initial apply has a million: held as ids in sets, not a million row objects;
 * the rows are made on every read (the applier's and the store's) and are garbage right after.
 */
export class GroupedMembers implements Rows<MemberChange> {
  constructor(
    private readonly source: string,
    private readonly accounts: ReadonlyMap<string, ReadonlySet<string>>,
    private readonly groups: ReadonlyMap<string, ReadonlySet<string>>,
    readonly length: number,
  ) {}

  *[Symbol.iterator](): Iterator<MemberChange> {
    const source = this.source;
    for (const [prefix, byGroup] of [['a:', this.accounts], ['g:', this.groups]] as const) {
      for (const groupId of [...byGroup.keys()].sort()) {
        for (const id of byGroup.get(groupId)!) yield { source, groupId, member: `${prefix}${id}` as MemberKey, memberId: id };
      }
    }
  }
}
