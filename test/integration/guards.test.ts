import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteRoleStore } from '../../src/store/sqlite-role-store.js';
import { demoLikeConfig, runCli, startCli } from '../support/run-cli.js';
import { waitFor } from '../support/wait-for.js';

/** A static directory of n staff users. */
function directory(file: string, n: number): void {
  const people = Array.from({ length: n }, (_, i) => `  - { id: u${i}, email: u${i}@example.com, groups: [all-staff] }`).join('\n');
  writeFileSync(file, `groups:\n  - { id: all-staff }\nprincipals:\n${people}\n`);
}

describe('guards and source controls on a running daemon', () => {
  it('holds a mass deletion, releases it on `sync --accept-deletions`, and honours pause/resume', async () => {
    const { dir, config } = demoLikeConfig();
    const dirFile = join(dir, 'directory.yaml');
    directory(dirFile, 30);
    // Sync every second so the test sees scheduled runs.
    writeFileSync(config, readFileSync(config, 'utf8').replace('schedule: "0 0 1 1 *"', 'schedule: "* * * * * *"\n    deletionGuard: { maxPercent: 10, minimum: 2 }'));
    const daemon = startCli(['daemon', '-c', config]);
    let out = '';
    daemon.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    daemon.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const store = () => SqliteRoleStore.openReadonly(join(dir, 'roster.db'));
    const staff = (): number => {
      const s = store();
      try {
        const v = s.history.latestVersion();
        return v ? s.history.membersAt('staff', v.id).length : -1;
      } finally {
        s.close();
      }
    };
    const lastError = (): string => {
      const s = store();
      try {
        return s.syncStates().find((x) => x.source === 'demo')?.lastError ?? '';
      } finally {
        s.close();
      }
    };
    try {
      await waitFor('the first sync', () => staff() === 30);
      directory(dirFile, 5);
      await waitFor('the held sync', () => /held, not applied/.test(lastError()));
      assert.equal(staff(), 30, 'a held sync changed the role state');
      const status = runCli(['status', '-c', config, '--json']);
      assert.match(status.stdout, /held, not applied/);
      assert.equal((JSON.parse(status.stdout) as { sources: { source: string; health: string }[] }).sources.find((x) => x.source === 'demo')?.health, 'held');

      const release = runCli(['sync', '--source', 'demo', '--accept-deletions', '-c', config]);
      assert.equal(release.status, 0, release.stderr);
      assert.match(release.stdout, /the daemon holds the store/);
      await waitFor('the released sync', () => staff() === 5);

      assert.equal(runCli(['pause', 'demo', '-c', config]).status, 0);
      await waitFor('the pause', () => /source paused/.test(out));
      assert.match(runCli(['status', '-c', config]).stdout, /demo\s+static\s+paused/);
      directory(dirFile, 6);
      await sleep(3000);
      assert.equal(staff(), 5, 'a paused source synced');
      const resume = runCli(['resume', 'demo', '-c', config]);
      assert.match(resume.stdout, /demo resumed/);
      await waitFor('the resumed sync', () => staff() === 6);
      assert.equal(runCli(['pause', 'nope', '-c', config]).status, 4);
    } finally {
      daemon.kill('SIGTERM');
      const [code] = (await once(daemon, 'exit')) as [number | null];
      assert.equal(code, 0, out);
    }
  });
});
