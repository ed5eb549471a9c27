import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { waitFor } from '../support/wait-for.js';
import { SqliteRoleStore } from '../../src/store/sqlite-role-store.js';
import { demoLikeConfig, runCli, startCli } from '../support/run-cli.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDER_NICE } from '../../src/sync/background-priority.js';


describe('roster daemon', () => {
  it('syncs on start, refuses a second daemon on the same store, stops cleanly on SIGTERM', async () => {
    const { dir, config } = demoLikeConfig();
    const daemon = startCli(['daemon', '-c', config]);
    let out = '';
    daemon.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const version = await waitFor('the first version', () => {
        const s = SqliteRoleStore.openReadonly(join(dir, 'roster.db'));
        try {
          return s.history.latestVersion();
        } finally {
          s.close();
        }
      });
      assert.equal(version.id, 1);
      // Syncs yield the CPU to decisions: the provider runs at nice 10, its decision responder at
      // 0 — every thread of each (nice is per thread; V8's collector helpers count as much).
      const threadNices = (pid: number): Set<number> =>
        new Set(readdirSync(`/proc/${pid}/task`).map((tid) => Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[16])));
      const responderPid = await waitFor('the responder process', () => Number(readFileSync(`/proc/${daemon.pid}/task/${daemon.pid}/children`, 'utf8').trim().split(' ')[0]) || null);
      assert.deepEqual(threadNices(daemon.pid!), new Set([PROVIDER_NICE]));
      assert.deepEqual(threadNices(responderPid), new Set([0]));
      const second = runCli(['daemon', '-c', config]);
      assert.equal(second.status, 5);
      assert.match(second.stderr, /another Roster process holds the store/);
      // CLI reads work while the daemon holds the writer lock.
      assert.equal(runCli(['roles', 'alice@example.com', '-c', config]).status, 0);
      daemon.kill('SIGTERM');
      const [code] = (await once(daemon, 'exit')) as [number | null];
      assert.equal(code, 0);
      const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
      assert.ok(lines.some((l) => l.msg === 'sync applied'));
      assert.ok(lines.some((l) => l.msg === 'roster daemon stopped'));
      // The lock is gone with the process.
      SqliteRoleStore.openWritable(join(dir, 'roster.db')).close();
    } finally {
      daemon.kill('SIGKILL');
    }
  });

  it('does not start on a broken config', () => {
    const { config } = demoLikeConfig('  - { id: x, type: nope }\n');
    const r = runCli(['daemon', '-c', config]);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /unknown source type "nope"/);
  });
});
