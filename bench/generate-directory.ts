import type { Account } from '../src/model/account.js';
import type { Group } from '../src/model/group.js';
import type { Membership } from '../src/model/membership.js';
import type { SourceBatch } from '../src/model/source-delta.js';
import type { RoleDefinition } from '../src/resolve/resolve-rules.js';
import { seededRandom } from './seeded-random.js';

/**
 * The seeded directory generator every benchmark uses. Groups 0..roles-1 are "role groups",
 * each mapped to one role and holding nested child groups (a few also nest one level deeper);
 * users are members of `membershipsPerUser` child groups. The first ten role groups are big
 * (about 3k members) for members-at-T measurements.
 */
export interface DirectorySpec {
  readonly users: number;
  readonly groups: number;
  readonly membershipsPerUser: number;
  readonly roles: number;
  readonly seed: number;
}

export const SPEC_100K: DirectorySpec = { users: 100_000, groups: 5_000, membershipsPerUser: 10, roles: 300, seed: 7 };
export const SPEC_10K: DirectorySpec = { users: 10_000, groups: 500, membershipsPerUser: 10, roles: 30, seed: 7 };

const DEPARTMENTS = ['Cardiology', 'Emergency', 'Marketing', 'Sales', 'Engineering', 'Research', 'Finance', 'Legal', 'Support', 'IT'];

export const userId = (i: number): string => `u${String(i).padStart(7, '0')}`;
export const groupId = (i: number): string => `g${String(i).padStart(5, '0')}`;

export function generatedUser(i: number, variant = 0): Account {
  return {
    externalId: userId(i),
    kind: i % 97 === 0 ? 'service' : 'human',
    status: i % 50 === 0 ? 'suspended' : 'active',
    displayName: `User ${i}`,
    identifiers: [
      { kind: 'email', value: `user${i}@example.com`, verified: true },
      { kind: 'uid', value: `user${i}` },
      { kind: 'employeeId', value: `E${i}` },
    ],
    attributes: { department: DEPARTMENTS[(i + variant) % DEPARTMENTS.length]!, title: `Title ${i % 40}` },
  };
}

export function generatedGroups(spec: DirectorySpec): { groups: Group[]; nesting: Membership[] } {
  const r = seededRandom(spec.seed);
  const groups = Array.from({ length: spec.groups }, (_, i) => ({ externalId: groupId(i), name: `group-${i}`, dn: `cn=group-${i},ou=groups,dc=example,dc=com` }));
  const nesting: Membership[] = [];
  const children = spec.groups - spec.roles;
  for (let g = 0; g < spec.roles; g++) {
    const n = g < 10 ? 15 : 8;
    for (let c = 0; c < n; c++) nesting.push({ groupId: groupId(g), memberType: 'group', memberId: groupId(spec.roles + r.int(children)) });
  }
  // A few child groups nest one level deeper, and one cycle exists.
  for (let k = 0; k < spec.groups / 50; k++) {
    nesting.push({ groupId: groupId(spec.roles + r.int(children)), memberType: 'group', memberId: groupId(spec.roles + r.int(children)) });
  }
  nesting.push({ groupId: groupId(spec.roles), memberType: 'group', memberId: groupId(spec.roles + 1) }, { groupId: groupId(spec.roles + 1), memberType: 'group', memberId: groupId(spec.roles) });
  return { groups, nesting };
}

/** The groups user i is directly in (deterministic per user and variant). */
export function userGroups(spec: DirectorySpec, i: number, variant = 0): string[] {
  const r = seededRandom(spec.seed * 1_000_003 + i * 31 + variant);
  const children = spec.groups - spec.roles;
  const out = new Set<string>();
  while (out.size < spec.membershipsPerUser) out.add(groupId(spec.roles + r.int(children)));
  return [...out];
}

export function generatedRoles(spec: DirectorySpec, source: string): RoleDefinition[] {
  return Array.from({ length: spec.roles }, (_, g) => ({ name: `role-${g}`, rank: g, grantedBy: [{ group: { source, id: groupId(g) } }] }));
}

/**
 * The directory as a stream of batches. `changed(i)` returns a variant for user i (0 = as
 * generated), so "1% changed" snapshots differ in exactly the chosen users.
 */
export async function* directoryBatches(spec: DirectorySpec, changed: (i: number) => number = () => 0, batchSize = 5000): AsyncIterable<SourceBatch> {
  const { groups, nesting } = generatedGroups(spec);
  yield { groups, memberships: nesting };
  for (let start = 0; start < spec.users; start += batchSize) {
    const accounts: Account[] = [];
    const memberships: Membership[] = [];
    for (let i = start; i < Math.min(spec.users, start + batchSize); i++) {
      const v = changed(i);
      accounts.push(generatedUser(i, v));
      for (const g of userGroups(spec, i, v)) memberships.push({ groupId: g, memberType: 'account', memberId: userId(i) });
    }
    yield { accounts, memberships };
  }
}
