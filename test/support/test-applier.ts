import { join } from 'node:path';
import { Applier } from '../../src/apply/applier.js';
import type { SourceBatch } from '../../src/model/source-delta.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { SqliteRoleStore } from '../../src/store/sqlite-role-store.js';
import { batches } from './builders.js';
import { tempDir } from './temp-dir.js';

/** A store in a temp dir and an applier on it, with a controllable clock. */
export function testApplier(rules: ResolveRules, path = join(tempDir(), 'roster.db')) {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const store = SqliteRoleStore.openWritable(path);
  const applier = new Applier(store, rules, () => clock);
  return {
    path,
    store,
    applier,
    tick(ms = 1000) {
      clock += ms;
      return clock;
    },
    now: () => clock,
    full(source: string, ...list: SourceBatch[]) {
      return applier.apply({ source, kind: 'full', batches: batches(...list), trigger: 'sync' });
    },
    delta(source: string, ...list: SourceBatch[]) {
      return applier.apply({ source, kind: 'delta', batches: batches(...list), trigger: 'sync' });
    },
  };
}
