import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecisionConfig } from '../../src/model/decision-config.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { group, inGroup, user } from '../support/builders.js';
import { testApplier } from '../support/test-applier.js';

const rulesFor = (groupName: string): ResolveRules => ({ linking: [], roles: [{ name: 'admin', rank: 5, grantedBy: [{ group: { source: 'd', name: groupName } }] }] });
const configWith = (rank: number, text: string): DecisionConfig => ({
  settings: { ranks: new Map([['admin', rank]]), maxStaleness: new Map([['d', 3_600_000]]) },
  policy: { hash: `sha256:${text}`, text },
});
const holders = (t: ReturnType<typeof testApplier>) => t.store.history.membersAt('admin', t.store.history.latestVersion()!.id).map((m) => m.principalId).length;

describe('Applier.reconfigure (a SIGHUP reload)', () => {
  it('commits the new settings and policy in the transaction of the grants the new rules give, at the same time', async () => {
    const t = testApplier(rulesFor('ops'));
    await t.full('d', { accounts: [user('a'), user('b')], groups: [group('ops'), group('all')], memberships: [inGroup('ops', 'a'), inGroup('all', 'a'), inGroup('all', 'b')] });
    t.store.recordDecisionConfig(configWith(1, 'old'), t.now());
    assert.equal(holders(t), 1);
    t.tick(1000);
    const version = await t.applier.reconfigure(rulesFor('all'), () => configWith(7, 'new'));
    assert.ok(version);
    assert.equal(holders(t), 2);
    // Whoever asks about a moment gets the grants, the ranks and the policy of the same configuration.
    for (const [at, rank, policy] of [[version.committedAt - 1, 1, 'sha256:old'], [version.committedAt, 7, 'sha256:new']] as const) {
      assert.equal(t.store.decisionSettings.at(at)?.ranks.get('admin'), rank);
      assert.equal(t.store.policies.at(at)?.hash, policy);
      assert.equal(t.store.history.versionAt(at)!.id, at < version.committedAt ? version.id - 1 : version.id);
    }
    t.store.close();
  });

  it('records nothing and keeps the rules in use when the configuration cannot be read at commit time', async () => {
    const t = testApplier(rulesFor('ops'));
    await t.full('d', { accounts: [user('a'), user('b')], groups: [group('ops'), group('all')], memberships: [inGroup('ops', 'a'), inGroup('all', 'a'), inGroup('all', 'b')] });
    const before = t.store.history.latestVersion()!.id;
    await assert.rejects(t.applier.reconfigure(rulesFor('all'), () => { throw new Error('policy.yaml: broken'); }), /broken/);
    assert.equal(t.store.history.latestVersion()!.id, before);
    assert.equal(t.store.decisionSettings.latest(), null);
    // The next sync still resolves with the old rules.
    t.tick(1000);
    await t.full('d', { accounts: [user('a'), user('b'), user('c')], groups: [group('ops'), group('all')], memberships: [inGroup('ops', 'a'), inGroup('all', 'a'), inGroup('all', 'b'), inGroup('all', 'c')] });
    assert.equal(holders(t), 1);
    t.store.close();
  });

  it('compares and reads when it runs: a reload queued behind a sync and reverted by a second one ends on the reverted rules, with the newest text', async () => {
    const t = testApplier(rulesFor('ops'));
    await t.full('d', { accounts: [user('a'), user('b')], groups: [group('ops'), group('all')], memberships: [inGroup('ops', 'a'), inGroup('all', 'a'), inGroup('all', 'b')] });
    const order: string[] = [];
    let file = 'first';
    // A sync in progress; two SIGHUPs arrive meanwhile, the second reverting the rules.
    const sync = t.full('d', { accounts: [user('a'), user('b')], groups: [group('ops'), group('all')], memberships: [inGroup('ops', 'a'), inGroup('all', 'a'), inGroup('all', 'b')] }).then(() => order.push('sync'));
    const first = t.applier.reconfigure(rulesFor('all'), () => (order.push('first read'), configWith(2, file)));
    const second = t.applier.reconfigure(rulesFor('ops'), () => (order.push('second read'), configWith(3, file)));
    file = 'edited meanwhile';
    await Promise.all([sync, first, second]);
    assert.deepEqual(order, ['sync', 'first read', 'second read']);
    assert.equal(holders(t), 1, 'back on the reverted rules');
    const latest = t.store.decisionSettings.latest()!;
    assert.equal(latest.ranks.get('admin'), 3);
    assert.equal(t.store.policies.current()?.hash, 'sha256:edited meanwhile');
    t.store.close();
  });
});
