import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decisionContext } from '../../src/cli/decision-context.js';
import type { RosterConfig } from '../../src/config/roster-config.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { group, inGroup, user } from '../support/builders.js';
import { testApplier } from '../support/test-applier.js';

const rules: ResolveRules = { linking: [], roles: [{ name: 'staff', rank: 3, grantedBy: [{ group: { source: 'd', name: 'all' } }] }] };
const settings = (staff: number, source: string, limit: number) => ({ ranks: new Map([['staff', staff]]), maxStaleness: new Map([[source, limit]]) });

describe('decide --at (the CLI decision context)', () => {
  it('uses the ranks and the sources recorded for that time, and the configuration for now', async () => {
    const t = testApplier(rules);
    await t.full('d', { accounts: [user('u1')], groups: [group('all')], memberships: [inGroup('all', 'u1')] });
    t.tick(1000);
    const first = t.now();
    t.store.decisionSettings.activate(settings(1, 'd', 3_600_000), first);
    t.tick(1000);
    const second = t.now();
    t.store.decisionSettings.activate(settings(9, 'e', 60_000), second);
    // Today's configuration: source d was removed, staff re-ranked.
    const config = { roles: [{ name: 'staff', rank: 3 }], sources: [{ id: 'e', maxStaleness: 120_000 }] } as unknown as RosterConfig;
    const view = (at?: string) => {
      const c = decisionContext(t.store, config, at);
      return { staff: c.index.ranks.get('staff'), settingsVersion: c.index.settingsVersion ?? null, sources: [...c.freshness].map(([id, f]) => `${id}:${f.maxStalenessMs}`) };
    };
    assert.deepEqual(view(new Date(first + 1).toISOString()), { staff: 1, settingsVersion: 1, sources: ['d:3600000'] });
    assert.deepEqual(view(new Date(second + 1).toISOString()), { staff: 9, settingsVersion: 2, sources: ['e:60000'] });
    assert.deepEqual(view(), { staff: 3, settingsVersion: null, sources: ['e:120000'] });
    t.store.close();
  });
});
