import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { PollConnector, SyncRequest } from '../../connectors/connector.js';
import { socketRequest } from '../../src/cli/socket-request.js';
import { DecisionLogWriter } from '../../src/audit/decision-log-writer.js';
import { loadRosterConfig } from '../../src/daemon.js';
import { createLogger } from '../../src/log/create-logger.js';
import { askResponderMetrics } from '../../src/serve/ask-responder-metrics.js';
import { collectMetrics } from '../../src/serve/collect-metrics.js';
import { DecisionService } from '../../src/serve/decision-service.js';
import { ResponderMetrics } from '../../src/serve/responder-metrics.js';
import { ProviderMetrics } from '../../src/serve/provider-metrics.js';
import { SqliteRoleStore } from '../../src/store/sqlite-role-store.js';
import { SourceRunner } from '../../src/sync/source-runner.js';
import { inGroup, group, user } from '../support/builders.js';
import { CLI, REPO, runCli, startCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-dir.js';
import { testApplier } from '../support/test-applier.js';
import { waitFor } from '../support/wait-for.js';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const SAMPLE = new RegExp(`^(${NAME})(\\{${LABEL}(?:,${LABEL})*\\})? (NaN|Nan|[+-]Inf|[-+]?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);

/**
 * Parses the Prometheus text format (0.0.4) strictly: every line is a HELP, a TYPE or a sample of
 * the family declared last; a family is declared once. Returns series (`name{labels}`) -> value.
 */
function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  const declared = new Set<string>();
  let family: { name: string; type: string } | null = null;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = TYPE.exec(line);
    if (type) {
      assert.ok(!declared.has(type[1]!), `family ${type[1]} declared twice`);
      declared.add(type[1]!);
      family = { name: type[1]!, type: type[2]! };
      continue;
    }
    if (HELP.test(line)) continue;
    const m = SAMPLE.exec(line);
    assert.ok(m, `not a valid exposition line: ${JSON.stringify(line)}`);
    assert.ok(family, `sample before any TYPE: ${line}`);
    const suffixes = family.type === 'histogram' ? ['_bucket', '_sum', '_count'] : family.type === 'summary' ? ['', '_sum', '_count'] : [''];
    assert.ok(suffixes.some((s) => m[1] === family!.name + s), `${m[1]} outside its family ${family.name}`);
    const labels = (m[2] ?? '').replace(/^\{|\}$/g, '').split(/,(?=[a-zA-Z_])/).filter(Boolean).sort().join(',');
    series.set(`${m[1]}{${labels}}`, Number(m[3]!.replace(/^Nan$/, 'NaN').replace('Inf', 'Infinity')));
  }
  return series;
}

/** The value of one series; labels in any order. */
function value(series: Map<string, number>, name: string, labels: Record<string, string> = {}): number | undefined {
  const key = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  return series.get(`${name}{${key}}`);
}

describe('metrics', () => {
  it('counts decisions by result and reason, syncs per source, and serves one valid exposition on the admin socket and the TCP port', async () => {
    const dir = tempDir();
    for (const f of ['roster.yaml', 'directory.yaml', 'policy.yaml']) copyFileSync(join(REPO, 'config/demo', f), join(dir, f));
    const config = join(dir, 'roster.yaml');
    // A second source that fails (its file is missing); retries far away, so it fails exactly once.
    writeFileSync(
      config,
      readFileSync(config, 'utf8')
        .replace(/\.\.\/\.\.\/var\//g, './var/')
        .replace('admin: { path: ./var/admin.sock, mode: "0600" }', 'admin: { path: ./var/admin.sock, mode: "0600" }\n  metrics: { port: 0 }') +
        '  - { id: broken, type: static, schedule: "0 0 1 1 *", options: { file: ./missing.yaml } }\nsync: { retryInitial: 1h, retryMax: 1h }\n',
    );
    const socket = join(dir, 'var/decision.sock');
    const admin = join(dir, 'var/admin.sock');
    const daemon = startCli(['daemon', '-c', config]);
    let out = '';
    daemon.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const url = await waitFor('the metrics port', () => /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(out)?.[1]);
      const synced = await waitFor('both first runs', () => (/"msg":"sync applied"/.test(out) && /"msg":"sync failed/.test(out) ? true : null));
      assert.ok(synced);
      const store = SqliteRoleStore.openReadonly(join(dir, 'var/roster.db'));
      const latest = store.history.latestVersion()!;
      store.close();
      await waitFor('the responder on the latest version', async () => (await socketRequest(socket, 'GET', '/readyz')).body.includes(`"roleStateVersion":${latest.id}`));

      // Decisions: tally what the socket answered, by result and reason.
      const made = new Map<string, number>();
      const tally = (d: { decision: string; reason: string }): void => void made.set(`${d.decision} ${d.reason}`, (made.get(`${d.decision} ${d.reason}`) ?? 0) + 1);
      const chat = { route: '/v1/chat/completions', method: 'POST', action: 'invoke', resource: { endpoint: 'azure-openai-hipaa' }, context: { dataClasses: ['PHI'] } };
      for (const subject of ['alice@example.com', 'alice@example.com', 'bob@example.com', 'nobody@example.com', 'dave@example.com', 'svc-support-agent']) {
        const r = await socketRequest(socket, 'POST', '/v1/decision', { subject: { id: subject }, ...chat });
        assert.equal(r.status, 200, r.body);
        tally(JSON.parse(r.body) as { decision: string; reason: string });
      }
      const batch = await socketRequest(socket, 'POST', '/v1/decisions', {
        requests: [
          { subject: { id: 'svc-support-agent' }, route: '/tickets/9', method: 'POST', action: 'write' },
          { subject: { id: 'agent-research' }, route: '/tickets/9', method: 'POST', action: 'write' },
          { subject: { id: 'nora@example.com' }, ...chat },
        ],
      });
      for (const d of (JSON.parse(batch.body) as { decisions: { decision: string; reason: string }[] }).decisions) tally(d);
      // A malformed request is refused before deciding: not a decision.
      assert.equal((await socketRequest(socket, 'POST', '/v1/decision', { route: '/x' })).status, 400);
      const total = [...made.values()].reduce((a, b) => a + b, 0);
      assert.equal(total, 9);
      assert.ok(made.size >= 3, `expected several reasons, got ${[...made.keys()].join(', ')}`);

      const res = await socketRequest(admin, 'GET', '/metrics');
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      const m = parseExposition(res.body);

      const counted = [...m].filter(([k]) => k.startsWith('roster_decisions_total{'));
      assert.equal(counted.length, made.size, res.body);
      for (const [key, n] of made) {
        const [result, reason] = key.split(' ') as [string, string];
        assert.equal(value(m, 'roster_decisions_total', { result, reason }), n, `decisions ${key}`);
      }
      assert.equal(value(m, 'roster_decision_duration_seconds_count'), total);
      assert.equal(value(m, 'roster_decision_duration_seconds_bucket', { le: '+Inf' }), total);
      const sum = value(m, 'roster_decision_duration_seconds_sum')!;
      assert.ok(sum > 0 && sum < total, `latency sum ${sum}`);
      // Durable log: every answered decision was committed before its answer.
      assert.equal(value(m, 'roster_decision_log_records_total'), total);
      assert.equal(value(m, 'roster_decision_log_queue_depth'), 0);
      assert.equal(value(m, 'roster_decision_log_failing'), 0);
      assert.ok(value(m, 'roster_decision_log_commit_duration_seconds_count')! >= 1);

      // Syncs: demo applied once (all of its objects delivered), broken failed once.
      assert.equal(value(m, 'roster_sync_runs_total', { source: 'demo', result: 'applied' }), 1);
      assert.equal(value(m, 'roster_sync_runs_total', { source: 'demo', result: 'failed' }), 0);
      assert.equal(value(m, 'roster_sync_runs_total', { source: 'broken', result: 'failed' }), 1);
      assert.equal(value(m, 'roster_sync_runs_total', { source: 'broken', result: 'applied' }), 0);
      const c = latest.counts as unknown as Record<string, number>;
      assert.equal(value(m, 'roster_sync_items_total', { source: 'demo' }), c.accounts! + c.groups! + c.memberships!);
      assert.equal(value(m, 'roster_sync_duration_seconds_count', { source: 'demo' }), 1);
      assert.equal(value(m, 'roster_sync_rate_limit_waits_total', { source: 'demo' }), 0);
      assert.equal(value(m, 'roster_sync_running', { source: 'demo' }), 0);
      assert.equal(value(m, 'roster_source_consecutive_failures', { source: 'broken' }), 1);
      assert.equal(value(m, 'roster_source_staleness_seconds', { source: 'broken' }), Infinity);
      const staleness = value(m, 'roster_source_staleness_seconds', { source: 'demo' })!;
      assert.ok(staleness >= 0 && staleness < 120, `staleness ${staleness}`);
      assert.equal(value(m, 'roster_source_max_staleness_seconds', { source: 'demo' }), 3600);

      // Versions, and both processes present.
      assert.equal(value(m, 'roster_role_state_version'), latest.id);
      assert.equal(value(m, 'roster_decision_index_version'), latest.id);
      assert.equal(value(m, 'roster_responder_up'), 1);
      assert.ok(value(m, 'process_start_time_seconds', { process: 'daemon' })! > 0);
      assert.ok(value(m, 'process_start_time_seconds', { process: 'responder' })! > 0);
      assert.ok(value(m, 'nodejs_heap_size_used_bytes', { process: 'responder' })! > 0);

      // The TCP port serves the same families; a scrape does not count as a decision.
      const tcp = await fetch(url);
      assert.equal(tcp.status, 200);
      const t = parseExposition(await tcp.text());
      assert.equal(value(t, 'roster_decision_duration_seconds_count'), total);
      assert.equal((await fetch(url.replace('/metrics', '/other'))).status, 404);

      daemon.kill('SIGTERM');
      const [code] = (await once(daemon, 'exit')) as [number | null];
      assert.equal(code, 0);
    } finally {
      daemon.kill('SIGKILL');
    }
  });

  it('follows a runner: runs by result, items, rate-limit waits and duration per source', async () => {
    const t = testApplier({ linking: [], roles: [] });
    let failNext = false;
    const connector = (sourceId: string): PollConnector => ({
      sourceId,
      async sync(req: SyncRequest) {
        // Cumulative progress, as connectors report it: the counters take the increments.
        req.progress({ items: 10, waits: 1, waitedMs: 1500 });
        req.progress({ items: 20, waits: 3, waitedMs: 4000, note: 'waiting for the users window' });
        if (failNext) {
          failNext = false;
          throw new Error('HTTP 503');
        }
        return {
          kind: 'full',
          batches: (async function* () {
            yield { accounts: [user(`${sourceId}-1`), user(`${sourceId}-2`)], groups: [group('g')] };
            yield { memberships: [inGroup('g', `${sourceId}-1`)] };
          })(),
          cursor: () => null,
        };
      },
    });
    const metrics = new ProviderMetrics(t.store, () => [
      { id: 'okta', enabled: true, maxStaleness: 3_600_000 },
      { id: 'entra', enabled: true, maxStaleness: 60_000 },
      { id: 'off', enabled: false, maxStaleness: 60_000 },
    ], t.now);
    const settings = { fullSyncEveryMs: 3_600_000, retryInitialMs: 3_600_000, retryMaxMs: 3_600_000 };
    const runners = ['okta', 'entra'].map((id) => {
      const r = new SourceRunner(connector(id), t.applier, t.store, settings, createLogger('silent'), t.now);
      r.observer = metrics;
      return r;
    });
    const [okta, entra] = runners as [SourceRunner, SourceRunner];
    await okta.run();
    await okta.run();
    failNext = true;
    await assert.rejects(okta.run());
    await entra.run();
    t.tick(90_000);
    const m = parseExposition(await metrics.exposition(null));
    assert.equal(value(m, 'roster_sync_runs_total', { source: 'okta', result: 'applied' }), 1);
    assert.equal(value(m, 'roster_sync_runs_total', { source: 'okta', result: 'unchanged' }), 1);
    assert.equal(value(m, 'roster_sync_runs_total', { source: 'okta', result: 'failed' }), 1);
    assert.equal(value(m, 'roster_sync_runs_total', { source: 'entra', result: 'applied' }), 1);
    assert.equal(value(m, 'roster_sync_runs_total', { source: 'entra', result: 'failed' }), 0);
    assert.equal(value(m, 'roster_sync_duration_seconds_count', { source: 'okta' }), 3);
    // Two successful okta runs of 4 objects each; the failed run delivered none.
    assert.equal(value(m, 'roster_sync_items_total', { source: 'okta' }), 8);
    assert.equal(value(m, 'roster_sync_items_total', { source: 'entra' }), 4);
    assert.equal(value(m, 'roster_sync_rate_limit_waits_total', { source: 'okta' }), 9);
    assert.equal(value(m, 'roster_sync_rate_limit_wait_seconds_total', { source: 'okta' }), 12);
    assert.equal(value(m, 'roster_sync_rate_limit_waits_total', { source: 'entra' }), 3);
    assert.equal(value(m, 'roster_source_consecutive_failures', { source: 'okta' }), 1);
    assert.equal(value(m, 'roster_source_staleness_seconds', { source: 'entra' }), 90);
    assert.equal(value(m, 'roster_source_max_staleness_seconds', { source: 'entra' }), 60);
    assert.equal(value(m, 'roster_source_staleness_seconds', { source: 'off' }), undefined);
    assert.equal(value(m, 'roster_role_state_version'), t.store.history.latestVersion()!.id);
    // No responder answered: its families are absent and the scrape says so.
    assert.equal(value(m, 'roster_responder_up'), 0);
    assert.equal(value(m, 'roster_decisions_total', { result: 'allow', reason: 'allowed_by_role' }), undefined);
  });

  it('a failing durable decision log: the answer is an error, counted as such, and the log reports failing', async () => {
    let broken = false;
    const sink = {
      lastHash: () => '0'.repeat(64),
      append: () => {
        if (broken) throw new Error('SQLITE_FULL: database or disk is full');
      },
    };
    const writer = new DecisionLogWriter(sink, { mode: 'durable', windowMs: 1, maxBatch: 64 });
    const service = new DecisionService(writer);
    const metrics = new ResponderMetrics(service, writer);
    const request = { subject: { id: 'alice@example.com' }, route: '/x' };
    assert.equal((await service.decide(request)).reason, 'no_role_state');
    broken = true;
    await assert.rejects(service.decide(request), /ROSTER_ERR_AUDIT_UNAVAILABLE|decision log/i);
    await assert.rejects(service.decide(request));
    // Through the IPC encoding and the merge, as a scrape sees it.
    const m = parseExposition(await collectMetrics([JSON.parse(JSON.stringify(await metrics.families()))]));
    assert.equal(value(m, 'roster_decisions_total', { result: 'deny', reason: 'no_role_state' }), 1);
    assert.equal(value(m, 'roster_decisions_total', { result: 'error', reason: 'audit_unavailable' }), 2);
    assert.equal(value(m, 'roster_decision_duration_seconds_count'), 3);
    assert.equal(value(m, 'roster_decision_log_records_total'), 1);
    assert.equal(value(m, 'roster_decision_log_commit_failures_total'), 2);
    assert.equal(value(m, 'roster_decision_log_commit_duration_seconds_count'), 1);
    assert.equal(value(m, 'roster_decision_log_failing'), 1);
    assert.equal(value(m, 'roster_decision_index_version'), 0);
    // JSON has no NaN or Infinity: they cross IPC as strings and come out as the format spells them.
    const odd = { name: 'x_seconds', help: 'h', type: 'gauge', aggregator: 'sum', values: [NaN, Infinity].map((v, i) => ({ value: String(v), labels: { i } })) };
    assert.match(await collectMetrics([[odd]]), /^x_seconds\{i="0"\} Nan\nx_seconds\{i="1"\} \+Inf$/m);
  });

  it('the TCP port is loopback-only unless allowRemote', () => {
    const dir = tempDir();
    const file = join(dir, 'roster.yaml');
    const load = (metrics: string) => {
      writeFileSync(file, `listen:\n  metrics: ${metrics}\n`);
      return loadRosterConfig(file).listen.metrics;
    };
    assert.deepEqual(load('{ port: 9464 }'), { host: '127.0.0.1', port: 9464, allowRemote: false });
    assert.equal(load('{ host: "::1", port: 9464 }')?.host, '::1');
    assert.throws(() => load('{ host: 0.0.0.0, port: 9464 }'), /loopback host .* allowRemote: true/);
    assert.equal(load('{ host: 0.0.0.0, port: 9464, allowRemote: true }')?.host, '0.0.0.0');
  });

  it('a responder that does not answer costs a scrape its timeout, not a hang', async () => {
    const mute = spawn(process.execPath, ['-e', "process.on('message', () => {}); setInterval(() => {}, 1000)"], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    try {
      const started = performance.now();
      assert.equal(await askResponderMetrics(mute, 200), null);
      const ms = performance.now() - started;
      assert.ok(ms >= 190 && ms < 2_000, `${ms} ms`);
      assert.equal(await askResponderMetrics(null, 200), null);
    } finally {
      mute.kill('SIGKILL');
    }
  });
});

describe('roster status', () => {
  it('prints per-source health (ok, failing, never), redacts secrets in errors, shows runs in flight, and --watch streams until Ctrl-C', async () => {
    const dir = tempDir();
    copyFileSync(join(REPO, 'config/demo/directory.yaml'), join(dir, 'directory.yaml'));
    const config = join(dir, 'roster.yaml');
    writeFileSync(
      config,
      `store: { path: ./roster.db }
identity: { link: [{ by: email }] }
roles: [{ name: staff, rank: 10, grantedBy: [{ group: { source: demo, name: all-staff } }] }]
sources:
  - { id: demo, type: static, maxStaleness: 2h, options: { file: ./directory.yaml } }
  - { id: ldap, type: static, maxStaleness: 30m, options: { file: ./directory.yaml } }
  - { id: spare, type: static, options: { file: ./directory.yaml } }
`,
    );
    assert.equal(runCli(['sync', '-c', config, '--source', 'demo']).status, 0);
    assert.equal(runCli(['sync', '-c', config, '--source', 'ldap']).status, 0);
    // ldap: its last attempt failed with a message that carries credentials; a run is in flight.
    const store = SqliteRoleStore.openWritable(join(dir, 'roster.db'));
    store.recordSyncFailure('ldap', 'bind to ldaps://cn=admin:hunter2@ldap.example.com failed; password=hunter2', Date.now());
    store.recordSyncProgress('ldap', JSON.stringify({ items: 1200, waits: 3, waitedMs: 45_000, note: 'paging users', at: Date.now() }));
    store.close();

    const json = runCli(['status', '-c', config, '--json']);
    assert.equal(json.status, 0, json.stderr);
    assert.doesNotMatch(json.stdout, /hunter2/);
    const s = JSON.parse(json.stdout) as { roleStateVersion: { id: number }; sources: Record<string, unknown>[] };
    const by = new Map(s.sources.map((x) => [x.source, x]));
    assert.equal(by.get('demo')!.health, 'ok');
    assert.equal(by.get('demo')!.maxStalenessSeconds, 7200);
    assert.equal(by.get('demo')!.lastVersion, 1);
    assert.equal(by.get('ldap')!.health, 'failing');
    assert.equal(by.get('ldap')!.consecutiveFailures, 1);
    assert.match(String(by.get('ldap')!.lastError), /ldaps:\/\/\[redacted\]@ldap\.example\.com failed; password=\[redacted\]/);
    assert.deepEqual({ ...(by.get('ldap')!.running as object), at: 0 }, { items: 1200, waits: 3, waitedMs: 45_000, note: 'paging users', at: 0 });
    assert.equal(by.get('spare')!.health, 'never');
    assert.equal(by.get('spare')!.stalenessSeconds, null);

    const table = runCli(['status', '-c', config]);
    assert.equal(table.status, 0, table.stderr);
    assert.doesNotMatch(table.stdout, /hunter2/);
    const lines = table.stdout.split('\n');
    assert.match(lines[0]!, new RegExp(`^role-state version ${s.roleStateVersion.id} `));
    assert.match(lines[1]!, /^SOURCE\s+TYPE\s+STATE\s+LAST SUCCESS\s+STALENESS \/ MAX\s+FAILURES\s+VERSION\s+RUNNING\s+LAST ERROR$/);
    assert.match(table.stdout, /\ndemo\s+static\s+ok\s+\d+s ago\s+\d+s \/ 2h\s+0\s+@1\s+-/);
    assert.match(table.stdout, /\nldap\s+static\s+failing\s+\d+s ago\s+\d+s \/ 30m\s+1\s+@\d+\s+1200 items, 3 rate-limit waits \(45s\)\s+bind to/);
    assert.match(table.stdout, /\nspare\s+static\s+never\s+-\s+- \/ 1h\s+0\s+-\s+-/);
    assert.match(table.stdout, /running:\n {2}ldap: 1200 items, 3 rate-limit waits \(45s\) — paging users, updated \d+s ago/);

    // --watch --json: one document per read, until SIGINT; then exit 0.
    const watch = spawn(process.execPath, [CLI, 'status', '-c', config, '--watch', '--json', '--interval', '0.2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    watch.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor('three reads', () => out.split('\n').filter(Boolean).length >= 3, 30_000);
      watch.kill('SIGINT');
      const [code] = (await once(watch, 'exit')) as [number | null];
      assert.equal(code, 0);
      const reads = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { at: number; sources: { source: string; running: { items: number } | null }[] });
      assert.ok(reads[1]!.at > reads[0]!.at);
      assert.equal(reads[0]!.sources.find((x) => x.source === 'ldap')!.running!.items, 1200);
    } finally {
      watch.kill('SIGKILL');
    }
  });
});
