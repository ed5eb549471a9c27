import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { seededRandom } from '../../bench/seeded-random.js';
import { socketRequest } from '../../src/cli/socket-request.js';
import { DecisionLogStore } from '../../src/store/decision-log-store.js';
import { CLI, demoCopy, runCli } from '../support/run-cli.js';
import { waitFor } from '../support/wait-for.js';

/** The daemon in its own process group, so SIGKILL takes the responder child with it. */
function startDaemon(config: string): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [CLI, 'daemon', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return Object.assign(child, { output: () => output });
}

const REQUESTS = [
  { subject: { id: 'alice@example.com' }, route: '/v1/chat/completions', method: 'POST', action: 'invoke', resource: { endpoint: 'azure-openai-hipaa' }, context: { dataClasses: ['PHI'] } },
  { subject: { id: 'bob@example.com' }, route: '/v1/chat/completions', method: 'POST', action: 'invoke', context: { dataClasses: ['PHI'] } },
  { subject: { id: 'svc-support-agent' }, route: '/tickets/9', method: 'POST', action: 'write' },
  { subject: { id: 'agent-research' }, route: '/tickets/9', method: 'POST', action: 'write' },
];

/** Concurrent clients until `stop()`: answered decisions (200 + decisionId) and failures are counted. */
function load(socket: string, clients: number) {
  const answered: string[] = [];
  const failures: string[] = [];
  let running = true;
  const loops = Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; running; i++) {
      try {
        const r = await socketRequest(socket, 'POST', '/v1/decision', REQUESTS[(c + i) % REQUESTS.length]);
        if (r.status === 200) answered.push((JSON.parse(r.body) as { decisionId: string }).decisionId);
        else failures.push(`HTTP ${r.status}: ${r.body}`);
      } catch (err) {
        failures.push(String(err));
        await sleep(5);
      }
    }
  });
  return {
    answered,
    failures,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('fault tolerance under decision load', () => {
  it('kill -9 during decision-log group commits loses no answered durable decision; restarts are clean', async () => {
    const { dir, config, socket } = demoCopy('decisionLog: { mode: durable }');
    const r = seededRandom(3);
    const answered: string[] = [];
    for (let round = 0; round < 3; round++) {
      const daemon = startDaemon(config);
      await waitFor('readiness', async () => (await socketRequest(socket, 'GET', '/readyz')).status === 200);
      const l = load(socket, 8);
      await sleep(300 + r.int(700));
      process.kill(-daemon.pid!, 'SIGKILL');
      await once(daemon, 'exit');
      await l.stop();
      assert.ok(l.answered.length > 10, `round ${round}: only ${l.answered.length} decisions answered`);
      answered.push(...l.answered);
    }
    // A final clean run over the crash leftovers (stale sockets, WAL files).
    const daemon = startDaemon(config);
    await waitFor('readiness after the crashes', async () => (await socketRequest(socket, 'GET', '/readyz')).status === 200);
    process.kill(daemon.pid!, 'SIGTERM');
    const [code] = (await once(daemon, 'exit')) as [number | null];
    assert.equal(code, 0, daemon.output());
    const log = DecisionLogStore.open(join(dir, 'var/roster-decisions.db'), { readonly: true });
    try {
      const missing = answered.filter((id) => !log.byId(id));
      assert.deepEqual(missing, [], `${missing.length} of ${answered.length} answered durable decisions were lost`);
    } finally {
      log.close();
    }
    const verify = runCli(['audit', 'verify', '-c', config]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  });

  it('SIGHUP reloads and policy edits under load fail no request', async () => {
    const { dir, config, socket } = demoCopy('decisionLog: { mode: durable }');
    const daemon = startDaemon(config);
    try {
      await waitFor('readiness', async () => (await socketRequest(socket, 'GET', '/readyz')).status === 200);
      const l = load(socket, 6);
      const policy = join(dir, 'policy.yaml');
      const original = readFileSync(policy, 'utf8');
      for (let i = 0; i < 4; i++) {
        await sleep(150);
        process.kill(daemon.pid!, 'SIGHUP');
        await sleep(150);
        writeFileSync(policy, i % 2 ? original : original.replace('routes: [tickets-read]\n    actions: [read]', 'routes: [tickets-read, tickets-write]\n    actions: [read, write]'));
      }
      await sleep(300);
      await l.stop();
      assert.ok(l.answered.length > 100, `only ${l.answered.length} answered`);
      assert.deepEqual(l.failures, []);
    } finally {
      process.kill(daemon.pid!, 'SIGTERM');
      const [code] = (await once(daemon, 'exit')) as [number | null];
      assert.equal(code, 0, daemon.output());
    }
  });
});
