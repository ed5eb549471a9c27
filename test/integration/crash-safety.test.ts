import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteRoleStore } from '../../src/store/sqlite-role-store.js';
import { crashRules, crashSnapshot } from '../support/crash-workload.js';
import { seededRandom } from '../../bench/seeded-random.js';
import { tempDir } from '../support/temp-dir.js';
import { testApplier } from '../support/test-applier.js';

const child = join(dirname(fileURLToPath(import.meta.url)), '../support/crash-child.js');

/** Runs the child until it has committed at least once, then SIGKILLs it after a random delay. */
function runAndKill(path: string, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let killed = false;
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.stdout.once('data', () => {
      setTimeout(() => {
        killed = true;
        p.kill('SIGKILL');
      }, delayMs);
    });
    p.on('exit', (_code, signal) => (killed && signal === 'SIGKILL' ? resolve() : reject(new Error(`child ended on its own: ${stderr}`))));
  });
}

describe('crash safety', () => {
  it('SIGKILL at random points during applies leaves a consistent store that the next run continues', async () => {
    const path = join(tempDir(), 'crash.db');
    const r = seededRandom(42);
    for (let round = 0; round < 4; round++) {
      await runAndKill(path, 20 + r.int(400));
      const store = SqliteRoleStore.openWritable(path);
      try {
        assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
        const max = store.history.latestVersion()!.id;
        // No row refers to a version that was not committed (a torn commit would).
        for (const t of ['accounts', 'groups', 'memberships', 'principals', 'links', 'aliases', 'grants']) {
          const bad = store.db.prepare(`SELECT count(*) AS n FROM ${t} WHERE from_v > ? OR to_v > ?`).get(max, max) as { n: number };
          assert.equal(bad.n, 0, `${t} has rows beyond version ${max}`);
        }
        // Versions are dense and the cursor belongs to the last committed snapshot.
        assert.equal((store.db.prepare('SELECT count(*) AS n FROM versions').get() as { n: number }).n, max);
        assert.equal(store.syncStates()[0]?.cursor, `cursor-${max - 1}`);
        assert.equal(store.syncStates()[0]?.lastVersion, max);
      } finally {
        store.close();
      }
    }
    // The committed state is exactly the last snapshot: re-applying it changes nothing,
    // applying the next one commits the next version.
    const t = testApplier(crashRules, path);
    const max = t.store.history.latestVersion()!.id;
    assert.equal((await t.full('dir', crashSnapshot(max - 1))).version, null);
    assert.equal((await t.full('dir', crashSnapshot(max))).version?.id, max + 1);
  });
});
