/**
 * Runs every benchmark scenario (or the ones named) as its own process, so one scenario's heap
 * and peak RSS do not colour the next.   npm run bench [-- apply ...]
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCENARIOS: Readonly<Record<string, { file: string; args: string[] }>> = {
  entra: { file: 'entra-sync.js', args: [] },
  ldap: { file: 'ldap-sync.js', args: [] },
  okta: { file: 'okta-sync.js', args: [] },
  scim: { file: 'scim-push.js', args: ['10000', '500', '2', '100'] },
  apply: { file: 'foundation-apply.js', args: ['100000', '1000'] },
  decide: { file: 'decisions-inprocess.js', args: [] },
  socket: { file: 'decision-socket.js', args: [] },
  compliance: { file: 'compliance.js', args: ['100000', '9000', '10000000'] },
  'socket-apply': { file: 'socket-during-apply.js', args: ['100000', '10', '1800'] },
  follow: { file: 'follow-version.js', args: ['100000', '3'] },
  'responder-gc': { file: 'responder-gc.js', args: ['100000', '20', '1800'] },
};

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(SCENARIOS);
let failed = 0;
for (const name of names) {
  const s = SCENARIOS[name];
  if (!s) {
    console.error(`unknown scenario "${name}" (known: ${Object.keys(SCENARIOS).join(', ')})`);
    failed++;
    continue;
  }
  console.log(`\n== ${name} ==`);
  const r = spawnSync(process.execPath, ['--max-old-space-size=4096', join(here, s.file), ...s.args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
