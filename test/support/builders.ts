import type { Account } from '../../src/model/account.js';
import type { Group } from '../../src/model/group.js';
import type { Membership } from '../../src/model/membership.js';
import type { SourceBatch } from '../../src/model/source-delta.js';

export const user = (id: string, extra: Partial<Account> = {}): Account => ({
  externalId: id,
  kind: 'human',
  status: 'active',
  identifiers: [{ kind: 'email', value: `${id}@example.com`, verified: true }],
  attributes: {},
  ...extra,
});

export const group = (id: string, name = id): Group => ({ externalId: id, name });
export const inGroup = (groupId: string, memberId: string): Membership => ({ groupId, memberType: 'account', memberId });
export const nested = (parentId: string, childId: string): Membership => ({ groupId: parentId, memberType: 'group', memberId: childId });

export async function* batches(...list: SourceBatch[]): AsyncIterable<SourceBatch> {
  for (const b of list) yield b;
}
