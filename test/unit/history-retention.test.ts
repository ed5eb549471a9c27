import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { seededRandom } from '../../bench/seeded-random.js';
import { DecisionLogWriter } from '../../src/audit/decision-log-writer.js';
import { ComplianceService } from '../../src/compliance/compliance-service.js';
import { parsePolicy } from '../../src/config/load-policy.js';
import type { RosterConfig } from '../../src/config/roster-config.js';
import { RosterError } from '../../src/errors/roster-error.js';
import { decide } from '../../src/policy/decide.js';
import { buildDecisionIndex } from '../../src/policy/decision-index.js';
import { DecisionLogStore } from '../../src/store/decision-log-store.js';
import { tempDir } from '../support/temp-dir.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { group, inGroup, user } from '../support/builders.js';
import { stateAtVersion } from '../support/state-at-version.js';
import { testApplier } from '../support/test-applier.js';

const rules: ResolveRules = {
  linking: [],
  roles: [
    { name: 'staff', rank: 1, grantedBy: [{ group: { source: 'd', name: 'all' } }] },
    { name: 'admin', rank: 5, grantedBy: [{ group: { source: 'd', name: 'admins' } }] },
  ],
};
const POLICY = `combining: union
routes: [{ name: api, pathPrefix: /api/ }]
rules:
  - { name: staff-read, effect: allow, roles: [staff], routes: [api], actions: [read] }
  - { name: admin-all, effect: allow, roles: [admin], routes: [api] }
`;
const config = { roles: [{ name: 'staff', rank: 1 }, { name: 'admin', rank: 5 }], sources: [{ id: 'd', maxStaleness: 3_600_000 }] } as unknown as RosterConfig;

describe('history retention (compaction)', () => {
  it('keeps every as-of query at or after the floor exact, refuses earlier ones, and removes what only earlier times needed', async () => {
    const r = seededRandom(7);
    const t = testApplier(rules);
    const hour = 3_600_000;
    const users = Array.from({ length: 12 }, (_, i) => `u${i}`);
    const loaded = parsePolicy(POLICY, 'p.yaml', new Set(['staff', 'admin']));
    t.store.policies.activate(loaded.hash, POLICY, t.now());
    const versions: { id: number; at: number }[] = [];
    const settings = (staff: number) => ({ ranks: new Map([['staff', staff], ['admin', 5]]), maxStaleness: new Map([['d', 3_600_000]]) });
    for (let step = 0; step < 40; step++) {
      t.tick(hour);
      // Decision settings change three times: the first is superseded before the floor.
      if (step === 5 || step === 15 || step === 35) t.store.decisionSettings.activate(settings(step), t.now());
      const present = r.subset(users, 0.7);
      const res = await t.full('d', {
        accounts: present.map((id) => user(id)),
        groups: [group('all'), group('admins')],
        memberships: [...present.map((id) => inGroup('all', id)), ...r.subset(present, 0.2).map((id) => inGroup('admins', id))],
      });
      if (res.version) versions.push({ id: res.version.id, at: res.version.committedAt });
    }
    // One decision decided at an early version, one at the last: replay of the first needs history
    // compaction removes.
    const log = DecisionLogStore.open(join(tempDir(), 'decisions.db'));
    const writer = new DecisionLogWriter(log, { mode: 'async', windowMs: 60_000, maxBatch: 16 });
    for (const [id, v] of [['early', versions[3]!], ['late', versions.at(-1)!]] as const) {
      const request = { subject: { id: 'u1@example.com' }, route: '/api/x', method: 'GET', action: 'read' };
      const index = buildDecisionIndex(t.store.history.stateAt(v.id), v.id, loaded.policy, new Map([['staff', 1], ['admin', 5]]));
      writer.append({ decisionId: id, at: v.at, request, decision: { ...decide(index, request, v.at, new Map([['d', { lastSuccessAt: v.at, maxStalenessMs: 3_600_000 }]])), decisionId: id } });
    }
    writer.close();
    const service = new ComplianceService(config, t.store, log, t.now);
    assert.equal(service.replay('early').matches, true);
    const floorTime = versions[25]!.at + 1000;
    const kept = versions.filter((v) => v.id >= versions[25]!.id);
    const before = new Map(kept.map((v) => [v.id, stateAtVersion(t.store.db, v.id)]));
    const query = (at: number) => service.whoCould({ route: '/api/x', method: 'GET', action: 'write' }, { time: at });
    const whoBefore = new Map(kept.map((v) => [v.at, query(v.at)]));
    const timelineBefore = service.timeline('u3@example.com').events.filter((e) => e.version > versions[25]!.id);
    // And once between the floor version's commit and the floor time: a query for the floor
    // version (asked at its commit) still needs the settings before this one.
    t.store.decisionSettings.activate(settings(77), versions[25]!.at + 500);
    const settingsTimes = [versions[25]!.at, floorTime, t.now()];
    const settingsBefore = settingsTimes.map((at) => t.store.decisionSettings.at(at));
    const atFloorVersion = service.whoCould({ route: '/api/x', method: 'GET', action: 'write' }, { version: versions[25]!.id });
    const rowsBefore = (t.store.db.prepare('SELECT count(*) FROM grants').pluck().get() as number) + (t.store.db.prepare('SELECT count(*) FROM memberships').pluck().get() as number);

    const c = t.store.compact(floorTime, t.now());
    assert.equal(c?.floorVersion, versions[25]!.id);
    const rowsAfter = (t.store.db.prepare('SELECT count(*) FROM grants').pluck().get() as number) + (t.store.db.prepare('SELECT count(*) FROM memberships').pluck().get() as number);
    assert.ok(rowsAfter < rowsBefore, `compaction removed nothing (${rowsBefore} -> ${rowsAfter})`);

    for (const v of kept) assert.deepEqual(stateAtVersion(t.store.db, v.id), before.get(v.id), `version ${v.id} changed`);
    for (const [at, want] of whoBefore) if (at >= floorTime) assert.deepEqual(query(at), want);
    assert.deepEqual(service.timeline('u3@example.com').events.filter((e) => e.version > versions[25]!.id), timelineBefore);
    // The decision settings in force at the floor version and after survive; the superseded one is gone.
    assert.equal(c?.removed.decision_settings, 1);
    assert.deepEqual(settingsTimes.map((at) => t.store.decisionSettings.at(at)), settingsBefore);
    assert.deepEqual(settingsBefore.map((x) => x?.ranks.get('staff')), [15, 77, 35]);
    assert.deepEqual(service.whoCould({ route: '/api/x', method: 'GET', action: 'write' }, { version: versions[25]!.id }), atFloorVersion);
    // The policy in force at the floor survives; times before the floor are refused, not guessed.
    assert.equal(query(floorTime).policyVersion, loaded.hash);
    assert.throws(() => query(versions[3]!.at), (e: unknown) => e instanceof RosterError && e.code === 'ROSTER_ERR_BEFORE_RETENTION');
    assert.throws(() => service.whoCould({ route: '/api/x' }, { version: versions[3]!.id }), (e: unknown) => e instanceof RosterError && e.code === 'ROSTER_ERR_BEFORE_RETENTION');
    assert.throws(() => service.replay('early'), (e: unknown) => e instanceof RosterError && e.code === 'ROSTER_ERR_BEFORE_RETENTION');
    assert.equal(service.replay('late').matches, true);
    log.close();
    // New versions still commit after compaction.
    t.tick(hour);
    const next = await t.full('d', { accounts: [user('u1')], groups: [group('all')], memberships: [inGroup('all', 'u1')] });
    assert.ok(next.version);
    t.store.close();
  });

  it('a grant path that compaction removed can be granted again in the next version', async () => {
    const t = testApplier(rules);
    const hour = 3_600_000;
    const sync = (admins: string[]) =>
      t.full('d', { accounts: [user('u1'), user('u2')], groups: [group('all'), group('admins')], memberships: [inGroup('all', 'u1'), inGroup('all', 'u2'), ...admins.map((id) => inGroup('admins', id))] });
    await sync(['u1']);
    t.tick(hour);
    const dropped = await sync([]);
    assert.equal(dropped.changes.grants.ended.length, 1);
    t.tick(hour);
    const c = t.store.compact(t.now(), t.now());
    assert.ok((c?.removed.grant_paths ?? 0) > 0, 'the admin path is unused after the floor and removed');
    t.tick(hour);
    const again = await sync(['u1']);
    assert.equal(again.changes.grants.started.length, 1);
    assert.equal(t.store.history.rolesAt([...again.changes.grants.started][0]!.principalId, again.version!.id).map((r) => r.role).sort().join(), 'admin,staff');
    t.store.close();
  });
});
