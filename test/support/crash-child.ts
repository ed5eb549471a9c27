/** Child process for crash tests: applies crash snapshots 0, 1, 2... until killed. */
import { Applier } from '../../src/apply/applier.js';
import { SqliteRoleStore } from '../../src/store/sqlite-role-store.js';
import { crashRules, crashSnapshot } from './crash-workload.js';

const path = process.argv[2]!;
const store = SqliteRoleStore.openWritable(path);
const applier = new Applier(store, crashRules, Date.now);
let k = store.history.latestVersion()?.id ?? 0;
for (;;) {
  const snapshot = crashSnapshot(k);
  const r = await applier.apply({ source: 'dir', kind: 'full', batches: (async function* () { yield snapshot; })(), cursor: () => `cursor-${k}`, trigger: 'sync' });
  process.stdout.write(`applied ${r.version?.id}\n`);
  k++;
}
