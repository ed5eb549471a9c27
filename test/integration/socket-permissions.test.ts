import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { socketRequest } from '../../src/cli/socket-request.js';
import { CLI, REPO, demoLikeConfig, runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-dir.js';
import { waitFor } from '../support/wait-for.js';

/** The OS enforces who may use the decision socket; these tests switch to `nobody` to see it. */
const NOBODY = 65534;
const SETPRIV = '/usr/bin/setpriv';

const skip =
  (process.getuid?.() === 0 && existsSync(SETPRIV)) || process.env.CI === 'true'
    ? false
    : 'needs root and setpriv (util-linux) to run a client as nobody';

/** An existing group that nobody is not in, so group access can be granted without creating one. */
function spareGroup(): { name: string; gid: number } {
  const groups = readFileSync('/etc/group', 'utf8').split('\n').map((l) => l.split(':'));
  for (const name of ['users', 'staff', 'daemon']) {
    const g = groups.find((f) => f[0] === name);
    if (g && Number(g[2]) !== NOBODY) return { name, gid: Number(g[2]) };
  }
  throw new Error('no spare group in /etc/group');
}

/** Runs a node snippet as uid/gid nobody with the given supplementary groups; returns its last output line. */
function asNobody(script: string, args: readonly string[], groups: readonly number[] = []): string {
  const r = spawnSync(
    SETPRIV,
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, groups.length ? `--groups=${groups.join(',')}` : '--clear-groups', process.execPath, '--input-type=module', '-e', script, ...args],
    { encoding: 'utf8', cwd: '/', timeout: 30_000 },
  );
  assert.equal(r.status, 0, `${r.error ?? ''}${r.stderr}`);
  return r.stdout.trim().split('\n').pop()!;
}

/** Connects to the socket given as argv[1]: prints "connected" or the error code. */
const CONNECT = `import { connect } from 'node:net';
const s = connect(process.argv[1]);
s.on('connect', () => { console.log('connected'); s.destroy(); });
s.on('error', (e) => console.log(e.code));`;

/**
 * The socket module and what it imports, copied where `nobody` can read them: the checkout itself
 * may sit in a directory only its owner can enter (a mktemp -d clone).
 */
function moduleReadableByNobody(): string {
  const root = tempDir('roster-nobody-');
  for (const file of ['src/serve/listen-unix-socket.js', 'src/errors/roster-error.js', 'src/errors/error-codes.js']) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(join(REPO, 'dist', file), join(root, file));
  }
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  for (const dir of [root, join(root, 'src'), join(root, 'src/serve'), join(root, 'src/errors')]) chmodSync(dir, 0o755);
  return pathToFileURL(join(root, 'src/serve/listen-unix-socket.js')).href;
}

/** Tries to listen where argv[1] is, as a second Roster would: prints "listening" or the error code. */
const TAKE_OVER = `import { createServer } from 'node:net';
const { listenUnixSocket } = await import(${JSON.stringify(moduleReadableByNobody())});
const server = createServer();
listenUnixSocket(server, process.argv[1], 0o660).then(() => { console.log('listening'); server.close(); }, (e) => console.log(e.code ?? e.message));`;

interface RunningDaemon {
  readonly child: ChildProcess;
  output(): string;
}

/** A daemon in its own process group, so a "crash" can SIGKILL it and its responder at once. */
async function startDaemon(config: string, socket: string): Promise<RunningDaemon> {
  const child = spawn(process.execPath, [CLI, 'daemon', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('the decision socket', async () => child.exitCode === null && (await socketRequest(socket, 'GET', '/healthz')).status === 200, 60_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${out}`);
  });
  return { child, output: () => out };
}

async function crash(d: RunningDaemon): Promise<void> {
  const exited = once(d.child, 'exit');
  process.kill(-d.child.pid!, 'SIGKILL');
  await exited;
}

async function stop(d: RunningDaemon): Promise<void> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return;
  const exited = once(d.child, 'exit');
  d.child.kill('SIGTERM');
  await exited;
}

/** A demo-like config whose decision socket has `listen` settings, in a directory others may enter. */
function socketConfig(listen: string): { dir: string; config: string; socket: string } {
  const { dir, config } = demoLikeConfig();
  // tempDir() is 0700: open it up, or nobody is refused by the directory, not by the socket.
  chmodSync(dir, 0o755);
  writeFileSync(config, readFileSync(config, 'utf8').replace('decision: { path: ./decision.sock }', `decision: { path: ./decision.sock, ${listen} }`));
  return { dir, config, socket: join(dir, 'decision.sock') };
}

describe('decision socket permissions', { skip, timeout: 180_000 }, () => {
  it('mode 0660 refuses other users (EACCES) and admits members of listen.decision.group; a live socket is never taken over', async () => {
    const group = spareGroup();
    const { dir, config, socket } = socketConfig(`mode: "0660", group: ${group.name}`);
    const daemon = await startDaemon(config, socket);
    try {
      const st = statSync(socket);
      assert.ok(st.isSocket());
      assert.deepEqual([st.mode & 0o777, st.gid], [0o660, group.gid]);

      assert.equal(asNobody(CONNECT, [socket]), 'EACCES');
      assert.equal(asNobody(CONNECT, [socket], [group.gid]), 'connected');
      // Control: the same client gets in once the mode lets everyone, so EACCES came from the mode.
      chmodSync(socket, 0o666);
      assert.equal(asNobody(CONNECT, [socket]), 'connected');
      chmodSync(socket, 0o660);
      assert.equal(asNobody(CONNECT, [socket]), 'EACCES');

      // A second daemon (its own store, the same socket path) refuses to start; the first keeps serving.
      const other = demoLikeConfig();
      writeFileSync(other.config, readFileSync(other.config, 'utf8').replace('decision: { path: ./decision.sock }', `decision: { path: ${socket} }`));
      const second = runCli(['daemon', '-c', other.config]);
      assert.notEqual(second.status, 0);
      assert.match(second.stdout + second.stderr, /in use by another running process/);
      assert.equal(statSync(socket).ino, st.ino);
      assert.equal((await socketRequest(socket, 'GET', '/healthz')).status, 200);

      // A process that may not connect (EACCES) cannot tell a live socket from a stale one, so it
      // must leave it alone, even where it could delete it (a directory writable by all).
      chmodSync(dir, 0o777);
      assert.equal(asNobody(TAKE_OVER, [socket]), 'ROSTER_ERR_SOCKET_UNVERIFIABLE');
      chmodSync(dir, 0o755);
      assert.equal(statSync(socket).ino, st.ino);
      assert.equal((await socketRequest(socket, 'GET', '/healthz')).status, 200);
    } finally {
      await stop(daemon);
    }
  });

  it('a socket file left by a crash is replaced when the daemon starts again', async () => {
    const { config, socket } = socketConfig('mode: "0660"');
    const first = await startDaemon(config, socket);
    await crash(first);
    // The precondition: the crash left the socket file behind, and nothing listens on it.
    assert.ok(statSync(socket).isSocket(), 'the crashed daemon left its socket');
    // (The responder dies with its group a moment after the daemon: a connection caught in that
    // moment is reset, not refused.)
    await waitFor('nothing listening on the socket', () =>
      socketRequest(socket, 'GET', '/healthz').then(
        () => false,
        (err: unknown) => /ECONNREFUSED/.test(String(err)),
      ),
    );

    const again = await startDaemon(config, socket);
    try {
      assert.equal((await socketRequest(socket, 'GET', '/healthz')).status, 200);
      assert.equal(statSync(socket).mode & 0o777, 0o660);
      assert.doesNotMatch(again.output(), /"level":50/);
    } finally {
      await stop(again);
    }
  });
});
