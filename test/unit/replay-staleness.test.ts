import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DecisionLogWriter } from '../../src/audit/decision-log-writer.js';
import { ComplianceService } from '../../src/compliance/compliance-service.js';
import { parsePolicy } from '../../src/config/load-policy.js';
import type { RosterConfig } from '../../src/config/roster-config.js';
import { decide } from '../../src/policy/decide.js';
import { buildDecisionIndex } from '../../src/policy/decision-index.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { DecisionLogStore } from '../../src/store/decision-log-store.js';
import { group, inGroup, user } from '../support/builders.js';
import { tempDir } from '../support/temp-dir.js';
import { testApplier } from '../support/test-applier.js';

const rules: ResolveRules = { linking: [], roles: [{ name: 'staff', rank: 1, grantedBy: [{ group: { source: 'd', name: 'all' } }] }] };
const POLICY = 'combining: union\nroutes: [{ name: api, pathPrefix: /api/ }]\nrules:\n  - { name: staff-read, effect: allow, roles: [staff], routes: [api] }\n';

describe('replay of decisions near a staleness limit (the record keeps whole seconds)', () => {
  it('a limit inside the recorded second fits the recorded outcome; one outside it is checked', async () => {
    const t = testApplier(rules);
    const res = await t.full('d', { accounts: [user('u1')], groups: [group('all')], memberships: [inGroup('all', 'u1')] });
    const loaded = parsePolicy(POLICY, 'p.yaml', new Set(['staff']));
    t.store.policies.activate(loaded.hash, POLICY, t.now());
    const log = DecisionLogStore.open(join(tempDir(), 'decisions.db'));
    const writer = new DecisionLogWriter(log, { mode: 'async', windowMs: 60_000, maxBatch: 16 });
    const index = buildDecisionIndex(t.store.history.stateAt(res.version!.id), res.version!.id, loaded.policy, new Map([['staff', 1]]));
    const request = { subject: { id: 'u1@example.com' }, route: '/api/x', method: 'GET' };
    // The source synced 3.6 s before each decision; the limits differ.
    const at = t.now() + 10_000;
    for (const [id, limit] of [['stale-inside', 3_500], ['fresh-inside', 3_700], ['stale-below', 2_000], ['fresh-above', 9_000]] as const) {
      const decision = decide(index, request, at, new Map([['d', { lastSuccessAt: at - 3_600, maxStalenessMs: limit }]]));
      writer.append({ decisionId: id, at, request, decision: { ...decision, decisionId: id } });
      assert.equal(decision.staleness_s, 3);
      assert.equal(decision.reason, limit < 3_600 ? 'stale_snapshot' : 'allowed_by_role', id);
    }
    writer.close();
    // Replayed with the limit of each: every record replays as recorded.
    for (const [id, limit] of [['stale-inside', 3_500], ['fresh-inside', 3_700], ['stale-below', 2_000], ['fresh-above', 9_000]] as const) {
      const config = { roles: [{ name: 'staff', rank: 1 }], sources: [{ id: 'd', maxStaleness: limit }] } as unknown as RosterConfig;
      assert.equal(new ComplianceService(config, t.store, log).replay(id).matches, true, id);
    }
    // A record the limit cannot explain differs: stale claimed, yet 3.999 s is within 9 s.
    const strict = { roles: [{ name: 'staff', rank: 1 }], sources: [{ id: 'd', maxStaleness: 9_000 }] } as unknown as RosterConfig;
    const r = new ComplianceService(strict, t.store, log).replay('stale-below');
    assert.equal(r.matches, false);
    assert.deepEqual(r.differences, ['decision', 'reason', 'authorizedBy']);
    log.close();
    t.store.close();
  });
});
