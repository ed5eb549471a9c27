import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decisionConfigOf } from '../../src/activate-policy.js';
import { resolveRulesOf } from '../../src/config/resolve-rules-of.js';
import { loadRosterConfig } from '../../src/daemon.js';
import { createLogger } from '../../src/log/create-logger.js';
import { Responder } from '../../src/responder.js';
import { group, inGroup, user } from '../support/builders.js';
import { tempDir } from '../support/temp-dir.js';
import { testApplier } from '../support/test-applier.js';

const POLICY = 'combining: union\nroutes: [{ name: api, pathPrefix: /api/ }]\nrules:\n  - { name: fin-api, effect: allow, roles: [finance], routes: [api] }\n';
const configText = (groupName: string, stale: string): string => `store: { path: ./roster.db }
listen:
  decision: { path: ./d.sock }
  admin: { path: ./a.sock }
decisionLog: { mode: "off" }
policy: { file: ./p.yaml }
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

describe('responder: a reload that moves grants and staleness limits', () => {
  it('no turn of the event loop answers from the new index with the old staleness limits (decisions are recorded with the new settings version)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'dir.yaml'), 'principals: []\n');
    writeFileSync(join(dir, 'p.yaml'), POLICY);
    writeFileSync(join(dir, 'c1.yaml'), configText('all', '1h'));
    writeFileSync(join(dir, 'c2.yaml'), configText('controllers', '2h'));
    const before = loadRosterConfig(join(dir, 'c1.yaml'));
    const after = loadRosterConfig(join(dir, 'c2.yaml'));
    const t = testApplier(resolveRulesOf(before), join(dir, 'roster.db'));
    // Enough principals that folding in the staged entries takes several turns.
    const accounts = Array.from({ length: 3000 }, (_, i) => user(`u${i}`));
    const memberships = [...accounts.map((a) => inGroup('all', a.externalId)), ...Array.from({ length: 10 }, (_, i) => inGroup('controllers', `u${i}`))];
    await t.full('d', { accounts, groups: [group('all'), group('controllers')], memberships });
    t.store.recordDecisionConfig(decisionConfigOf(before).decisionConfig, t.now());
    const responder = await Responder.start(before, createLogger('warn'));
    try {
      const oldSettings = responder.service.current().index!.settingsVersion;
      const seen = new Set<string>();
      let watching = true;
      const watch = (): void => {
        const { index, freshness } = responder.service.current();
        seen.add(`${index!.settingsVersion === oldSettings ? 'old' : 'new'} settings, ${freshness.get('d')!.maxStalenessMs / 3_600_000} h`);
        if (watching) setImmediate(watch);
      };
      t.tick();
      await t.applier.reconfigure(resolveRulesOf(after), () => decisionConfigOf(after).decisionConfig);
      setImmediate(watch);
      await responder.refresh();
      watching = false;
      watch();
      assert.deepEqual([...seen].sort(), ['new settings, 2 h', 'old settings, 1 h']);
      assert.equal(responder.service.current().index!.unsettled.length, 0, 'the staged entries were folded in');
    } finally {
      await responder.stop();
      t.store.close();
    }
  });
});
