import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decisionConfigOf } from '../../src/activate-policy.js';
import { resolveRulesOf } from '../../src/config/resolve-rules-of.js';
import { loadRosterConfig } from '../../src/daemon.js';
import { createLogger } from '../../src/log/create-logger.js';
import { decide } from '../../src/policy/decide.js';
import { Responder } from '../../src/responder.js';
import { group, inGroup, user } from '../support/builders.js';
import { tempDir } from '../support/temp-dir.js';
import { testApplier } from '../support/test-applier.js';

const P1 = 'combining: union\nroutes: [{ name: api, pathPrefix: /api/ }, { name: ledger, pathPrefix: /ledger/ }]\nrules:\n  - { name: fin-api, effect: allow, roles: [finance], routes: [api] }\n';
const P2 = `${P1}  - { name: fin-ledger, effect: allow, roles: [finance], routes: [ledger] }\n`;
const configText = (groupName: string, policyFile: string, stale = '1h') => `store: { path: ./roster.db }
listen:
  decision: { path: ./d.sock }
  admin: { path: ./a.sock }
decisionLog: { mode: "off" }
policy: { file: ./${policyFile} }
roles:
  - name: finance
    rank: 50
    grantedBy: [{ group: { source: d, name: ${groupName} } }]
sources:
  - id: d
    type: static
    maxStaleness: ${stale}
    options: { file: ./dir.yaml }
`;

describe('the responder following a reload', () => {
  it('never answers with the new policy on the old grants, or the new grants on the old staleness limits: a reload that narrows a role, widens its rules and moves a limit', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'dir.yaml'), 'principals: []\n');
    writeFileSync(join(dir, 'p1.yaml'), P1);
    writeFileSync(join(dir, 'p2.yaml'), P2);
    writeFileSync(join(dir, 'c1.yaml'), configText('all', 'p1.yaml'));
    writeFileSync(join(dir, 'c2.yaml'), configText('controllers', 'p2.yaml', '2h'));
    const before = loadRosterConfig(join(dir, 'c1.yaml'));
    const after = loadRosterConfig(join(dir, 'c2.yaml'));
    const t = testApplier(resolveRulesOf(before), join(dir, 'roster.db'));
    // More principals change than are patched in place, so the follow runs in slices.
    const accounts = Array.from({ length: 3000 }, (_, i) => user(`u${i}`));
    const memberships = [...accounts.map((a) => inGroup('all', a.externalId)), ...Array.from({ length: 10 }, (_, i) => inGroup('controllers', `u${i}`))];
    await t.full('d', { accounts, groups: [group('all'), group('controllers')], memberships });
    t.store.recordDecisionConfig(decisionConfigOf(before).decisionConfig, t.now());
    const responder = await Responder.start(before, createLogger('warn'));
    try {
      const oldVersion = responder.service.current().index!.roleStateVersion;
      const newPolicy = decisionConfigOf(after).decisionConfig.policy.hash;
      // u2000 is finance before (all) and not after (controllers): /ledger/ is never theirs.
      const request = { subject: { id: 'u2000@example.com' }, route: '/ledger/raw', method: 'GET' };
      const seen = new Set<string>();
      let watching = true;
      const watch = (): void => {
        const { index, freshness } = responder.service.current();
        const d = decide(index!, request, t.now(), freshness);
        // Decisions are recorded with the index's settings version: the limits must be that version's.
        const limit = `${freshness.get('d')!.maxStalenessMs / 3_600_000} h`;
        seen.add(`${index!.roleStateVersion === oldVersion ? 'old' : 'new'} grants, ${index!.policy.hash === newPolicy ? 'new' : 'old'} policy, ${limit}: ${d.decision}`);
        if (watching) setImmediate(watch);
      };
      t.tick();
      await t.applier.reconfigure(resolveRulesOf(after), () => decisionConfigOf(after).decisionConfig);
      setImmediate(watch);
      await responder.refresh();
      watching = false;
      watch();
      assert.deepEqual([...seen].sort(), ['new grants, new policy, 2 h: deny', 'old grants, old policy, 1 h: deny']);
      assert.equal(responder.service.current().index!.unsettled.entries.length, 0, 'the staged entries were folded in');
    } finally {
      await responder.stop();
      t.store.close();
    }
  });
});
