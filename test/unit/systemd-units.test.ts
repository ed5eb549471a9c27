import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { socketRequest } from '../../src/cli/socket-request.js';
import { CLI, REPO, demoLikeConfig } from '../support/run-cli.js';
import { tempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

/** systemd/: the service, sysusers and tmpfiles files, checked by systemd's own tools. */
const ANALYZE = '/usr/bin/systemd-analyze';
const UNITS = join(REPO, 'systemd');

const installed = (bin: string): boolean => {
  try {
    accessSync(bin, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Outside CI a missing systemd skips with this message; in CI (CI=true) the tests run and fail. */
const skip = installed(ANALYZE) || process.env.CI === 'true' ? false : `systemd is not installed (${ANALYZE} is missing); apt-get install -y systemd (test/ensure-system-packages.sh does this as root)`;

const run = (cmd: string, args: readonly string[]): { status: number; stdout: string; stderr: string } => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

/** The unit in a temp dir with /usr/bin/roster (absent here) replaced by a wrapper of the built CLI. */
function installableUnit(): { unit: string; roster: string } {
  const dir = tempDir();
  const roster = join(dir, 'roster');
  writeFileSync(roster, `#!/bin/sh\nexec ${process.execPath} ${CLI} "$@"\n`);
  chmodSync(roster, 0o755);
  const unit = join(dir, 'roster.service');
  const text = readFileSync(join(UNITS, 'roster.service'), 'utf8');
  assert.match(text, /^ExecStart=\/usr\/bin\/roster /m);
  writeFileSync(unit, text.replaceAll('/usr/bin/roster', roster));
  return { unit, roster };
}

const directive = (text: string, key: string): string[] => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);

describe('systemd units', { skip }, () => {
  const service = readFileSync(join(UNITS, 'roster.service'), 'utf8');

  it('roster.service passes systemd-analyze verify without a word about it', () => {
    const { unit } = installableUnit();
    const r = run(ANALYZE, ['verify', unit]);
    assert.equal(r.status, 0, r.stderr);
    // verify exits 0 on unknown keys and bad values, printing "<file>:<line>: ..." instead.
    const ours = (r.stdout + r.stderr).split('\n').filter((l) => l.includes('roster'));
    assert.deepEqual(ours, []);
  });

  it('verify does complain about a broken copy (the check above can fail)', () => {
    const { unit } = installableUnit();
    writeFileSync(unit, readFileSync(unit, 'utf8').replace('ProtectSystem=strict', 'ProtectSystem=stricter\nProtectEverything=yes'));
    const r = run(ANALYZE, ['verify', unit]);
    assert.match(r.stderr, /roster\.service:\d+: .*ProtectEverything/);
    assert.match(r.stderr, /roster\.service:\d+: .*stricter/);
  });

  it('has the hardening the operations docs promise, and nothing that breaks the V8 JIT', () => {
    for (const line of [
      'Type=notify', 'NotifyAccess=all', 'User=roster', 'StateDirectory=roster', 'RuntimeDirectory=roster', 'ConfigurationDirectory=roster',
      'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'NoNewPrivileges=yes', 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
      'CapabilityBoundingSet=', 'SystemCallFilter=@system-service', 'ExecReload=/bin/kill -HUP $MAINPID', 'ExecStart=/usr/bin/roster daemon -c /etc/roster/roster.yaml',
    ]) {
      assert.ok(service.split('\n').includes(line), `missing: ${line}`);
    }
    assert.deepEqual(directive(service, 'MemoryDenyWriteExecute'), []);
  });

  it('ExecStart uses only options `roster daemon` has', () => {
    const { roster } = installableUnit();
    const help = run(roster, ['daemon', '--help']);
    assert.equal(help.status, 0, help.stderr);
    const [exec] = directive(service, 'ExecStart');
    for (const flag of exec!.split(/\s+/).filter((a) => a.startsWith('-'))) assert.match(help.stdout, new RegExp(`(^|[\\s,])${flag}[\\s,]`), `roster daemon has no ${flag}`);
  });

  it('sysusers creates the roster user and tmpfiles its directories, owned as the unit expects', () => {
    const root = tempDir();
    mkdirSync(join(root, 'etc'));
    const users = run('systemd-sysusers', [`--root=${root}`, join(UNITS, 'roster.sysusers')]);
    assert.equal(users.status, 0, users.stderr);
    const entry = readFileSync(join(root, 'etc/passwd'), 'utf8').split('\n').find((l) => l.startsWith('roster:'));
    assert.ok(entry, 'no roster user in passwd');
    const [, , uid, gid, , home, shell] = entry.split(':');
    assert.ok(Number(uid) > 0 && Number(uid) < 1000, `a system uid, found ${uid}`);
    assert.equal(home, '/var/lib/roster');
    assert.match(shell!, /nologin$/);
    const dirs = run('systemd-tmpfiles', [`--root=${root}`, '--create', join(UNITS, 'roster.tmpfiles')]);
    assert.equal(dirs.status, 0, dirs.stderr);
    const state = statSync(join(root, 'var/lib/roster'));
    assert.deepEqual([state.mode & 0o7777, state.uid, state.gid], [0o750, Number(uid), Number(gid)]);
    const etc = statSync(join(root, 'etc/roster'));
    assert.deepEqual([etc.mode & 0o7777, etc.uid, etc.gid], [0o750, 0, Number(gid)]);
    // The unit's own directory settings agree with tmpfiles, so neither changes what the other made.
    assert.deepEqual(directive(service, 'StateDirectoryMode'), ['0750']);
    assert.deepEqual(directive(service, 'ConfigurationDirectoryMode'), ['0750']);
  });

  it('systemd-analyze security rates the unit OK or better (printed; the exposure score is informative)', (t) => {
    const { unit } = installableUnit();
    const r = run(ANALYZE, ['security', '--offline=true', unit]);
    const score = /Overall exposure level for roster\.service: ([\d.]+) (\w+)/.exec(r.stdout);
    assert.ok(score, r.stdout + r.stderr);
    t.diagnostic(`systemd-analyze security: ${score[1]} ${score[2]}`);
    assert.ok(Number(score[1]) < 5, `exposure ${score[1]}`);
  });
});

describe('readiness notification (Type=notify)', () => {
  /** A fake systemd-notify first on PATH that records its arguments and NOTIFY_SOCKET. */
  function fakeNotify(): { bin: string; record: string } {
    const bin = tempDir();
    const record = join(bin, 'calls');
    writeFileSync(join(bin, 'systemd-notify'), `#!/bin/sh\necho "$NOTIFY_SOCKET $*" >> ${record}\n`);
    chmodSync(join(bin, 'systemd-notify'), 0o755);
    return { bin, record };
  }

  async function startDaemon(env: NodeJS.ProcessEnv): Promise<{ socket: string; started: Promise<void>; stop(): Promise<void> }> {
    const { dir, config } = demoLikeConfig();
    const child = spawn(process.execPath, [CLI, 'daemon', '-c', config], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    const started = new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('"roster daemon started"')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`daemon exited (${code}): ${out}`)));
    });
    started.catch(() => undefined);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return {
      socket: join(dir, 'decision.sock'),
      started,
      stop: async () => {
        child.kill('SIGTERM');
        await exited;
      },
    };
  }

  it('runs `systemd-notify --ready` once the decision socket answers, when NOTIFY_SOCKET is set', async () => {
    const { bin, record } = fakeNotify();
    const { NOTIFY_SOCKET: _, ...base } = process.env;
    const daemon = await startDaemon({ ...base, PATH: `${bin}:${process.env.PATH}`, NOTIFY_SOCKET: '/run/systemd/notify' });
    try {
      const calls = await waitFor('systemd-notify to be run', () => (existsSync(record) ? readFileSync(record, 'utf8') : null), 30_000);
      // By the time it ran, the decision socket was listening.
      assert.equal((await socketRequest(daemon.socket, 'GET', '/healthz')).status, 200);
      assert.equal(calls.trim().split('\n').length, 1);
      assert.match(calls, /^\/run\/systemd\/notify --ready( |$)/);
    } finally {
      await daemon.stop();
    }
  });

  it('does nothing without NOTIFY_SOCKET (started by hand, or Type=simple)', async () => {
    const { bin, record } = fakeNotify();
    const { NOTIFY_SOCKET: _, ...base } = process.env;
    const daemon = await startDaemon({ ...base, PATH: `${bin}:${process.env.PATH}` });
    try {
      await daemon.started;
      assert.equal((await socketRequest(daemon.socket, 'GET', '/healthz')).status, 200);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(existsSync(record), false);
    } finally {
      await daemon.stop();
    }
  });
});
