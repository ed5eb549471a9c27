import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { socketRequest } from '../../src/cli/socket-request.js';
import { DecisionLogStore } from '../../src/store/decision-log-store.js';
import { demoCopy, runCli, startCli } from '../support/run-cli.js';
import { waitFor } from '../support/wait-for.js';

describe('admin socket', () => {
  it('answers the compliance queries exactly as the CLI does, read-only, on its own 0600 socket; writes chain heads', async () => {
    const { dir, config, socket: decisionSocket } = demoCopy('decisionLog: { mode: durable, headSink: { file: ./var/heads.jsonl, every: 100ms } }\nretention: { history: 400d, decisions: 365d }');
    const heads = join(dir, 'var/heads.jsonl');
    const admin = join(dir, 'var/admin.sock');
    const daemon = startCli(['daemon', '-c', config]);
    let err = '';
    daemon.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const get = async (path: string, method = 'GET') => {
      const r = await socketRequest(admin, method, path);
      return { status: r.status, type: String(r.headers['content-type']), body: r.body, json: () => JSON.parse(r.body) as Record<string, unknown> };
    };
    try {
      await waitFor('readiness', async () => (await socketRequest(decisionSocket, 'GET', '/readyz')).status === 200);
      assert.equal(statSync(admin).mode & 0o777, 0o600);
      const ids: string[] = [];
      for (const subject of ['alice@example.com', 'bob@example.com', 'alice@example.com']) {
        const d = JSON.parse((await socketRequest(decisionSocket, 'POST', '/v1/decision', { subject: { id: subject }, route: '/v1/chat/completions', method: 'POST', action: 'invoke', resource: { endpoint: 'azure-openai-hipaa' }, context: { dataClasses: ['PHI'] } })).body) as { decisionId: string };
        ids.push(d.decisionId);
      }

      const who = (await get('/v1/who-could?route=/v1/chat/completions&method=POST&action=invoke&endpoint=azure-openai-hipaa&context.dataClasses=%5B%22PHI%22%5D')).json();
      const cli = runCli(['who-could', '-c', config, '--route', '/v1/chat/completions', '--method', 'POST', '--action', 'invoke', '--endpoint', 'azure-openai-hipaa', '--context', 'dataClasses=["PHI"]', '--json']);
      assert.equal(cli.status, 0, cli.stderr);
      const cliWho = JSON.parse(cli.stdout) as Record<string, unknown>;
      assert.deepEqual(who.principals, cliWho.principals);
      assert.deepEqual((who.principals as { role: string; rule: string }[]).map((p) => `${p.role}/${p.rule}`), ['clinician/clinicians-may-send-phi', 'clinician/clinicians-may-send-phi']);

      const timeline = (await get('/v1/timeline?subject=alice@example.com')).json();
      assert.deepEqual(timeline, JSON.parse(runCli(['timeline', '-c', config, 'alice@example.com', '--json']).stdout));
      const review = await get('/v1/access-review?role=clinician&format=csv');
      assert.match(review.type, /text\/csv/);
      assert.equal(review.body, runCli(['access-review', '-c', config, 'clinician', '--csv']).stdout);
      // Alice's last decision is in the review.
      assert.ok(review.body.split('\n').some((l) => l.startsWith('p_') && l.includes('Alice') && /,\d{4}-\d\d-\d\dT[^,]+Z$/.test(l)), review.body);

      const search = (await get('/v1/audit/search?subject=alice@example.com&limit=1')).json();
      assert.equal((search.records as unknown[]).length, 1);
      const page2 = (await get(`/v1/audit/search?subject=alice@example.com&limit=1&after=${String(search.next)}`)).json();
      assert.equal((page2.records as { decisionId: string }[])[0]!.decisionId, ids[2]);
      const replay = (await get(`/v1/audit/replay/${ids[1]}`)).json();
      assert.equal(replay.matches, true);
      await waitFor('a chain head written', async () => readFileSync(heads, 'utf8').includes('"seq":3') || null);
      const verify = (await get('/v1/audit/verify')).json();
      assert.equal(verify.ok, true);
      assert.equal(verify.records, 3);
      assert.equal((verify.heads as { ok: boolean }).ok, true);
      const status = (await get('/v1/status')).json();
      assert.ok((status.sources as { source: string; lastSuccessAt: number | null }[]).find((s) => s.source === 'demo')?.lastSuccessAt);

      // Errors: clear codes, nothing writable.
      assert.equal((await get('/v1/who-could')).json().error && (await get('/v1/who-could')).status, 400);
      assert.equal((await get('/v1/audit/search', 'POST')).status, 405);
      assert.equal((await get('/v1/nothing')).status, 404);
      const unknown = await get('/v1/audit/replay/nope');
      assert.equal(unknown.status, 404);
      assert.equal((unknown.json().error as { code: string }).code, 'ROSTER_ERR_DECISION_UNKNOWN');
      assert.equal((await get('/v1/who-could?route=/x&at=yesterday')).status, 400);
    } finally {
      daemon.kill('SIGTERM');
      const [code] = (await once(daemon, 'exit')) as [number | null];
      assert.equal(code, 0, err);
    }
    // The final head, written at stop, is the log's last record.
    const last = readFileSync(heads, 'utf8').trim().split('\n').at(-1)!;
    const log = DecisionLogStore.open(join(dir, 'var/roster-decisions.db'), { readonly: true });
    try {
      assert.equal((JSON.parse(last) as { hash: string }).hash, log.lastHash());
    } finally {
      log.close();
    }
  });
  it('after SIGHUP answers with the reloaded roles, and with the roles then in force for earlier times; decisions name the settings they used', async () => {
    const { config, socket } = demoCopy();
    const admin = config.replace(/roster\.yaml$/, 'var/admin.sock');
    const daemon = startCli(['daemon', '-c', config]);
    let err = '';
    daemon.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const review = async (role: string, at?: string) => {
      const r = await socketRequest(admin, 'GET', `/v1/access-review?role=${role}${at ? `&at=${encodeURIComponent(at)}` : ''}`);
      return { status: r.status, body: JSON.parse(r.body) as { holders?: { displayName: string }[]; error?: { code: string } } };
    };
    try {
      await waitFor('readiness', async () => (await socketRequest(socket, 'GET', '/readyz')).status === 200);
      assert.equal((await review('auditor')).status, 404);
      const decide = async () => JSON.parse((await socketRequest(socket, 'POST', '/v1/decision', { subject: { id: 'carol@example.com' }, route: '/admin/users', method: 'GET' })).body) as { decisionId: string; decision: string; reason: string };
      const settingsOf = async (decisionId: string) => {
        const found = JSON.parse((await socketRequest(admin, 'GET', '/v1/audit/search?subject=carol@example.com&limit=1000')).body) as { records: { decisionId: string; settingsVersion: number | null }[] };
        return found.records.find((x) => x.decisionId === decisionId)?.settingsVersion;
      };
      const first = await decide();
      assert.equal(first.decision, 'allow');
      const firstSettings = await settingsOf(first.decisionId);
      assert.equal(typeof firstSettings, 'number');
      await new Promise((r) => setTimeout(r, 20));
      const before = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 20));
      // A new role, granted to the IT admins group.
      writeFileSync(config, readFileSync(config, 'utf8').replace('roles:\n', 'roles:\n  - name: auditor\n    rank: 40\n    grantedBy:\n      - group: { source: demo, name: it-admins }\n'));
      daemon.kill('SIGHUP');
      const now = await waitFor('the reloaded role', async () => {
        const r = await review('auditor');
        return r.status === 200 && r.body.holders!.length > 0 ? r : null;
      });
      assert.deepEqual(now.body.holders!.map((h) => h.displayName), ['Carol Ito (IT)']);
      // At the version the reload's new grants made, the role already existed.
      const version = (JSON.parse((await socketRequest(admin, 'GET', '/v1/status')).body) as { version: number }).version;
      const atVersion = await review('auditor', `@${version}`);
      assert.equal(atVersion.status, 200, JSON.stringify(atVersion.body));
      assert.deepEqual(atVersion.body.holders!.map((h) => h.displayName), ['Carol Ito (IT)']);
      // Before the reload there was no such role: refused, not answered with an empty list.
      const then = await review('auditor', before);
      assert.equal(then.status, 404);
      assert.equal(then.body.error?.code, 'ROSTER_ERR_ROLE_UNKNOWN');
      // The decision process takes the recorded settings up; its records name them, and replay.
      const later = await waitFor('a decision with the new settings', async () => {
        const d = await decide();
        return (await settingsOf(d.decisionId))! > firstSettings! ? d : null;
      });
      // A reload that changes only a staleness limit: taken up without new ranks, and recorded.
      writeFileSync(config, readFileSync(config, 'utf8').replace('maxStaleness: 1h', 'maxStaleness: 1ms'));
      daemon.kill('SIGHUP');
      const stale = await waitFor('the new staleness limit', async () => {
        const d = await decide();
        return d.reason === 'stale_snapshot' ? d : null;
      });
      assert.ok((await settingsOf(stale.decisionId))! > (await settingsOf(later.decisionId))!);
      for (const id of [first.decisionId, later.decisionId, stale.decisionId]) {
        const replay = JSON.parse((await socketRequest(admin, 'GET', `/v1/audit/replay/${id}`)).body) as { matches: boolean };
        assert.equal(replay.matches, true, id);
      }
    } finally {
      daemon.kill('SIGTERM');
      const [code] = (await once(daemon, 'exit')) as [number | null];
      assert.equal(code, 0, err);
    }
  });
});
