/**
 * Helper of the responder benchmarks: writes <dir>/roster.yaml for a responder over the store
 * socket-build-store.js made in <dir> (its policy, the generated roles, a static source that is
 * always fresh), with the decision log in `logMode`, and returns the file's path.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { generatedRoles, type DirectorySpec } from './generate-directory.js';

export function writeResponderConfig(dir: string, spec: DirectorySpec, logMode: string): string {
  writeFileSync(join(dir, 'static.yaml'), 'principals: []\n');
  const config = join(dir, 'roster.yaml');
  writeFileSync(
    config,
    stringify({
      store: { path: join(dir, 'roster.db') },
      log: { level: 'warn' },
      listen: { decision: { path: join(dir, 'decision.sock'), mode: '0600' }, admin: { path: join(dir, 'admin.sock'), mode: '0600' } },
      policy: { file: join(dir, 'policy.yaml') },
      decisionLog: { mode: logMode, path: join(dir, `decisions-${logMode}.db`) },
      identity: { link: [{ by: 'email' }] },
      roles: generatedRoles(spec, 'dir').map((r) => ({ name: r.name, rank: r.rank, grantedBy: [{ group: { source: 'dir', id: `g${String(r.rank).padStart(5, '0')}` } }] })),
      sources: [{ id: 'dir', type: 'static', maxStaleness: '7d', options: { file: join(dir, 'static.yaml') } }],
    }),
  );
  return config;
}
