/**
 * Helper of bench/socket-during-apply.ts, its own process like the daemon's provider: one full
 * sync of the generated directory with `percent`% of the users changed, through the real applier,
 * into the store the responder follows. Prints the apply time.
 *   node dist/bench/socket-apply-writer.js <dir> <users> <percent> <round>
 */
import { join } from 'node:path';
import { Applier } from '../src/apply/applier.js';
import { createLogger } from '../src/log/create-logger.js';
import { SqliteRoleStore } from '../src/store/sqlite-role-store.js';
import { lowerToBackgroundPriority, PROVIDER_NICE } from '../src/sync/background-priority.js';
import { execFileSync } from 'node:child_process';
import { setPriority } from 'node:os';
import { directoryBatches, generatedRoles, SPEC_100K, SPEC_10K } from './generate-directory.js';
import { timed } from './measure.js';

const [dir, usersArg, percentArg, roundArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: socket-apply-writer.js <dir> <users> <percent> <round>');
const users = Number(usersArg ?? 100_000);
const percent = Number(percentArg ?? 10);
const round = Number(roundArg ?? 1);
const spec = users >= 100_000 ? SPEC_100K : { ...SPEC_10K, users };
// As the daemon's provider runs: applies at a lower CPU priority than decisions (every thread at
// nice 10). For comparison: ROSTER_BENCH_WRITER_PRIORITY=same (no lowering), =main-thread (the
// main thread only, as before all threads were lowered), =idle (SCHED_IDLE via chrt), or =batch
// (SCHED_BATCH at nice 10 via chrt).
const mode = process.env.ROSTER_BENCH_WRITER_PRIORITY ?? 'nice';
if (mode === 'nice') lowerToBackgroundPriority(createLogger('warn'));
else if (mode === 'main-thread') setPriority(PROVIDER_NICE);
else if (mode === 'idle' || mode === 'batch') {
  lowerToBackgroundPriority(createLogger('warn'));
  execFileSync('chrt', [`--${mode}`, '--all-tasks', '--pid', '0', String(process.pid)]);
}
const store = SqliteRoleStore.openWritable(join(dir, 'roster.db'));
try {
  const applier = new Applier(store, { linking: [{ by: 'email' }], roles: generatedRoles(spec, 'dir') }, () => Date.now());
  const every = Math.max(1, Math.round(100 / percent));
  const r = await timed(() => applier.apply({ source: 'dir', kind: 'full', batches: directoryBatches(spec, (i) => ((i + round) % every === 0 ? round : 0)), trigger: 'sync' }));
  console.log(`  full sync applied in ${(r.ms / 1000).toFixed(1)} s: version ${r.value.version?.id ?? 'none'}, ${JSON.stringify(r.value.version?.counts ?? {})}`);
} finally {
  store.close();
}
