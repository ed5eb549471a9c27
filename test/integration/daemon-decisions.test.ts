import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from '../support/wait-for.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { socketRequest } from '../../src/cli/socket-request.js';
import { DecisionLogStore } from '../../src/store/decision-log-store.js';
import { demoCopy, startCli } from '../support/run-cli.js';


describe('daemon serving decisions', () => {
  it('serves the demo policy, reloads a changed policy, keeps the old one when the new one is broken, and logs every decision by SIGTERM', async () => {
    const { dir, config, socket } = demoCopy('decisionLog: { mode: async, window: 50ms }');
    const daemon = startCli(['daemon', '-c', config]);
    let err = '';
    daemon.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    let out = '';
    daemon.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const ask = async (subject: string, route = '/tickets/1', method = 'POST', action = 'write') =>
      JSON.parse((await socketRequest(socket, 'POST', '/v1/decision', { subject: { id: subject }, route, method, action })).body) as { decision: string; reason: string; decisionId: string; policyVersion: string };
    const ids: string[] = [];
    try {
      await waitFor('readiness', async () => (await socketRequest(socket, 'GET', '/readyz')).status === 200);
      const first = await ask('agent-research');
      ids.push(first.decisionId);
      assert.equal(first.decision, 'deny');
      // Let the research agent write: the file watcher picks the change up.
      const policy = join(dir, 'policy.yaml');
      const original = readFileSync(policy, 'utf8');
      const widened = original.replace('routes: [tickets-read]\n    actions: [read]', 'routes: [tickets-read, tickets-write]\n    actions: [read, write]');
      writeFileSync(policy, widened);
      const allowed = await waitFor('the reloaded policy', async () => {
        const d = await ask('agent-research');
        ids.push(d.decisionId);
        return d.decision === 'allow' ? d : null;
      });
      assert.notEqual(allowed.policyVersion, first.policyVersion);
      // Editors that save by renaming a new file over the old one: picked up too, every time.
      const saveByRename = (text: string): void => {
        writeFileSync(`${policy}.swp`, text);
        renameSync(`${policy}.swp`, policy);
      };
      for (const [text, want] of [[original, 'deny'], [widened, 'allow']] as const) {
        saveByRename(text);
        await waitFor(`the renamed policy (${want})`, async () => {
          const d = await ask('agent-research');
          ids.push(d.decisionId);
          return d.decision === want || null;
        });
      }
      // A broken policy is rejected; the running one stays (also on SIGHUP).
      writeFileSync(policy, 'rules: [ { name: x } ]\n');
      await sleep(400);
      daemon.kill('SIGHUP');
      await sleep(400);
      const still = await ask('agent-research');
      ids.push(still.decisionId);
      assert.equal(still.decision, 'allow');
      assert.equal(still.policyVersion, allowed.policyVersion);
      assert.match(out, /policy change rejected|reload rejected/);
      // Async log: answered decisions are committed by the time SIGTERM has been handled.
      for (let i = 0; i < 50; i++) ids.push((await ask('svc-support-agent')).decisionId);
      daemon.kill('SIGTERM');
      const [code] = (await once(daemon, 'exit')) as [number | null];
      assert.equal(code, 0, err);
      const log = DecisionLogStore.open(join(dir, 'var/roster-decisions.db'), { readonly: true });
      try {
        const missing = ids.filter((id) => !log.byId(id));
        assert.deepEqual(missing, []);
      } finally {
        log.close();
      }
    } finally {
      daemon.kill('SIGKILL');
    }
  });
});
