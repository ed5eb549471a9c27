import type { SourceBatch } from '../../src/model/source-delta.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';

export const CRASH_USERS = 4000;
export const CRASH_GROUPS = 20;

export const crashRules: ResolveRules = {
  linking: [],
  roles: Array.from({ length: 5 }, (_, i) => ({ name: `role${i}`, rank: i, grantedBy: [{ group: { source: 'dir', name: `group${i}` } }] })),
};

/** Snapshot number k: every user moves groups each step, so every commit is large. */
export function crashSnapshot(k: number): SourceBatch {
  const accounts = Array.from({ length: CRASH_USERS }, (_, i) => ({
    externalId: `u${i}`,
    kind: 'human' as const,
    status: 'active' as const,
    identifiers: [{ kind: 'email' as const, value: `u${i}@example.com` }],
    attributes: { step: String(k % 3) },
  }));
  const groups = Array.from({ length: CRASH_GROUPS }, (_, g) => ({ externalId: `g${g}`, name: `group${g}` }));
  const memberships = accounts.flatMap((a, i) => [
    { groupId: `g${(i + k) % CRASH_GROUPS}`, memberType: 'account' as const, memberId: a.externalId },
    { groupId: `g${(i * 7 + k) % CRASH_GROUPS}`, memberType: 'account' as const, memberId: a.externalId },
  ]);
  return { accounts, groups, memberships };
}
