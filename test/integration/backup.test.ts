import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { socketRequest } from '../../src/cli/socket-request.js';
import { DecisionLogStore } from '../../src/store/decision-log-store.js';
import { SqliteRoleStore } from '../../src/store/sqlite-role-store.js';
import { CLI, demoCopy, demoLikeConfig, REPO, runCli, startCli } from '../support/run-cli.js';
import { stateAtVersion } from '../support/state-at-version.js';
import { waitFor } from '../support/wait-for.js';

/** `roster backup` run asynchronously, so this process can keep the daemon busy meanwhile. */
const backupAsync = async (args: readonly string[]): Promise<BackupOutput> => {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'backup', ...args, '--json'], { encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(stdout) as BackupOutput;
};

interface BackupOutput {
  roleStore: { source: string; path: string; bytes: number; roleStateVersion: number | null };
  decisionLog: { source: string; path: string; bytes: number; lastRecord: number | null } | null;
}

const latest = (path: string): number => {
  const s = SqliteRoleStore.openReadonly(path);
  try {
    return s.history.latestVersion()?.id ?? 0;
  } finally {
    s.close();
  }
};

describe('roster backup', { timeout: 180_000 }, () => {
  it('copies the role store while another process commits: the copy verifies and is the exact state of one version', async (t) => {
    const { dir, config } = demoLikeConfig();
    const live = join(dir, 'roster.db');
    // A writer committing large versions back to back (every user changes groups each time).
    const writer = spawn(process.execPath, [join(REPO, 'dist/test/support/crash-child.js'), live], { stdio: ['ignore', 'pipe', 'inherit'] });
    let applied = '';
    writer.stdout!.on('data', (d: Buffer) => (applied += d.toString()));
    const out = join(dir, 'backup');
    try {
      await waitFor('three versions', () => /applied 3\n/.test(applied), 120_000);
      const before = latest(live);
      const result = await backupAsync([out, '-c', config]);
      const after = latest(live);
      assert.equal(result.decisionLog, null, 'no decision log exists yet: skipped');
      assert.equal(result.roleStore.path, join(out, 'roster.db'));

      const copy = SqliteRoleStore.openReadonly(result.roleStore.path);
      const current = SqliteRoleStore.openReadonly(live);
      try {
        assert.equal(copy.db.pragma('integrity_check', { simple: true }), 'ok');
        // One self-contained file: a rollback journal, no -wal/-shm beside it, no temp files left.
        assert.equal(copy.db.pragma('journal_mode', { simple: true }), 'delete');
        assert.deepEqual(readdirSync(out), ['roster.db']);
        const ids = (copy.db.prepare('SELECT id FROM versions ORDER BY id').pluck().all() as number[]);
        const n = ids.length;
        assert.deepEqual(ids, Array.from({ length: n }, (_, i) => i + 1), 'versions are dense');
        t.diagnostic(`live @${before} when the backup started, @${after} when it ended; the copy is at @${n}`);
        assert.ok(n >= before && n <= after, `copy at @${n}, live went from @${before} to @${after}`);
        assert.equal(result.roleStore.roleStateVersion, n);
        // Nothing of a later (or half-copied) commit: every table is exactly the live state at @n.
        assert.deepEqual(stateAtVersion(copy.db, n), stateAtVersion(current.db, n));
        for (const t of ['accounts', 'memberships', 'principals', 'grants']) {
          assert.equal(copy.db.prepare(`SELECT count(*) FROM ${t} WHERE from_v > ? OR to_v > ?`).pluck().get(n, n), 0, `${t} refers past @${n}`);
        }
      } finally {
        copy.close();
        current.close();
      }
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('copies the decision log while the daemon answers; `audit verify` passes on the copy; the documented restore brings both back', async (t) => {
    const { dir, config, socket } = demoCopy();
    const text = readFileSync(config, 'utf8');
    const out = join(dir, 'backup');
    const ask = async (): Promise<string> =>
      (JSON.parse((await socketRequest(socket, 'POST', '/v1/decision', { subject: { id: 'svc-support-agent' }, route: '/tickets/1', method: 'POST', action: 'write' })).body) as { decisionId: string }).decisionId;

    const daemon = startCli(['daemon', '-c', config]);
    let result: BackupOutput;
    const answeredBefore: string[] = [];
    let answeredDuring = 0;
    try {
      await waitFor('readiness', async () => (await socketRequest(socket, 'GET', '/readyz')).status === 200);
      for (let i = 0; i < 20; i++) answeredBefore.push(await ask());
      // Keep deciding (each decision is a durable log commit) until the backup is done.
      let done = false;
      const backup = backupAsync([out, '-c', config]).finally(() => (done = true));
      while (!done) {
        await ask();
        answeredDuring++;
      }
      result = await backup;
    } finally {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
    }
    t.diagnostic(`${answeredDuring} decisions answered while the backup ran; the copy ends at record ${result.decisionLog?.lastRecord}`);
    assert.ok(answeredDuring > 0, 'decisions were logged while the backup ran');
    assert.ok(result.decisionLog, 'the decision log was copied');
    assert.ok(result.decisionLog.lastRecord! >= answeredBefore.length, `last record ${result.decisionLog.lastRecord}`);
    assert.ok(existsSync(join(out, 'roster-decisions.db')));

    // Everything answered before the backup started is in the copy (durable mode: answered = committed).
    const copiedLog = DecisionLogStore.open(result.decisionLog.path, { readonly: true });
    try {
      assert.deepEqual(answeredBefore.filter((id) => !copiedLog.byId(id)), []);
    } finally {
      copiedLog.close();
    }

    // A config pointing at the copies: the CLI reads them like the live files.
    const copyConfig = join(dir, 'from-backup.yaml');
    writeFileSync(copyConfig, text.replace('./var/roster.db', result.roleStore.path) + `\ndecisionLog: { path: ${result.decisionLog.path} }\n`);
    const verify = runCli(['audit', 'verify', '-c', copyConfig, '--json']);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.equal(JSON.parse(verify.stdout).records, result.decisionLog.lastRecord);
    const members = runCli(['members', 'clinician', '-c', copyConfig, '--json']);
    assert.equal(members.status, 0, members.stderr);
    assert.equal(JSON.parse(members.stdout).roleStateVersion, result.roleStore.roleStateVersion);

    // verify on the copy can fail: a record altered in (a copy of) the copy breaks the chain.
    const tampered = join(dir, 'tampered.db');
    copyFileSync(result.decisionLog.path, tampered);
    const forged = DecisionLogStore.open(tampered);
    forged.db.prepare("UPDATE decisions SET record = replace(record, 'svc-support-agent', 'mallory') WHERE seq = 5").run();
    forged.close();
    writeFileSync(copyConfig, text + `\ndecisionLog: { path: ${tampered} }\n`);
    assert.equal(runCli(['audit', 'verify', '-c', copyConfig]).status, 6);

    // Restore as docs/operations.md says: daemon stopped, copies over the live files, -wal/-shm removed.
    const liveStore = join(dir, 'var/roster.db');
    const liveLog = join(dir, 'var/roster-decisions.db');
    for (const [from, to] of [[result.roleStore.path, liveStore], [result.decisionLog.path, liveLog]] as const) {
      copyFileSync(from, to);
      rmSync(`${to}-wal`, { force: true });
      rmSync(`${to}-shm`, { force: true });
    }
    const restored = runCli(['audit', 'verify', '-c', config, '--json']);
    assert.equal(restored.status, 0, restored.stderr);
    assert.equal(JSON.parse(restored.stdout).records, result.decisionLog.lastRecord);
    const status = runCli(['status', '-c', config, '--json']);
    assert.equal(JSON.parse(status.stdout).roleStateVersion.id, result.roleStore.roleStateVersion);
  });

  it('refuses to write over the live store, and says so when there is no store yet', () => {
    const { dir, config } = demoLikeConfig();
    const missing = runCli(['backup', join(dir, 'b'), '-c', config]);
    assert.equal(missing.status, 5);
    assert.match(missing.stderr, /does not exist yet/);
    assert.equal(existsSync(join(dir, 'b')), false);
    assert.equal(runCli(['sync', '-c', config]).status, 0);
    const self = runCli(['backup', dir, '-c', config]);
    assert.equal(self.status, 1);
    assert.match(self.stderr, /ROSTER_ERR_BACKUP_FAILED/);
    assert.equal(latest(join(dir, 'roster.db')), 1);
    const ok = runCli(['backup', join(dir, 'b'), '-c', config]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /role-state version @1/);
    assert.match(ok.stdout, /decision log {2}none at .*, skipped/);
  });
});
