import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RosterError } from '../../src/errors/roster-error.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { batches, group, inGroup, user } from '../support/builders.js';
import { testApplier } from '../support/test-applier.js';

const rules: ResolveRules = { linking: [], roles: [{ name: 'staff', rank: 1, grantedBy: [{ group: { source: 'd', name: 'all' } }] }] };
const guard = { maxPercent: 10, minimum: 3 };
const snapshot = (ids: string[], members = ids) => ({ accounts: ids.map((id) => user(id)), groups: [group('all')], memberships: members.map((id) => inGroup('all', id)) });
const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `u${from + i}`);
const full = (t: ReturnType<typeof testApplier>, b: ReturnType<typeof snapshot>, extra: { acceptDeletions?: boolean } = {}) =>
  t.applier.apply({ source: 'd', kind: 'full', batches: batches(b), trigger: 'sync', guard, ...extra });
const held = (e: unknown): boolean => e instanceof RosterError && e.code === 'ROSTER_ERR_SYNC_HELD';

describe('mass-deletion guard', () => {
  it('holds a sync that removes more than the threshold of accounts, commits nothing, and applies it once accepted', async () => {
    const t = testApplier(rules);
    const v1 = (await full(t, snapshot(ids(40)))).version!;
    await assert.rejects(full(t, snapshot(ids(30))), held);
    assert.equal(t.store.history.latestVersion()!.id, v1.id);
    assert.equal(t.store.history.membersAt('staff', v1.id).length, 40);
    // Within the threshold (4 of 40 = 10%, not more): applied.
    const v2 = (await full(t, snapshot(ids(36)))).version!;
    assert.equal(t.store.history.membersAt('staff', v2.id).length, 36);
    // Accepted: applied.
    const v3 = (await full(t, snapshot(ids(10)), { acceptDeletions: true })).version!;
    assert.equal(t.store.history.membersAt('staff', v3.id).length, 10);
  });

  it('holds mass removal of role grants even when the accounts stay', async () => {
    const t = testApplier(rules);
    await full(t, snapshot(ids(40)));
    await assert.rejects(full(t, snapshot(ids(40), ids(20))), (e: unknown) => held(e) && /20 of 40 role grants/.test((e as Error).message));
  });

  it('never holds removals up to the minimum (small directories) or a sync without a guard', async () => {
    const t = testApplier(rules);
    await full(t, snapshot(ids(6)));
    assert.ok((await full(t, snapshot(ids(3)))).version); // 3 removed: not more than the minimum
    assert.ok((await t.full('d', snapshot(ids(1)))).version); // no guard given
  });
});
