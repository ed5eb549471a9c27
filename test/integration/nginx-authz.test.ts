/**
 * End to end with a real nginx (Debian package) in front of the decision socket: nginx
 * `auth_request` asks Roster's GET /v1/authz over the Unix socket and proxies allowed requests
 * to a small backend, passing the authorizing role and decision id upstream. Also the Envoy
 * ext_authz HTTP-service endpoint (/envoy/*) directly over the socket (there is no Envoy here).
 *
 * The nginx configuration below is the one docs/decision-api.md shows; keep them in step.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { socketRequest } from '../../src/cli/socket-request.js';
import { DecisionLogStore } from '../../src/store/decision-log-store.js';
import { nginxSkipReason, startNginx, within, type RunningNginx } from '../support/nginx.js';
import { REPO, startCli } from '../support/run-cli.js';

// ---------------------------------------------------------------------------------------------
// The Roster daemon
// ---------------------------------------------------------------------------------------------

interface RosterSetup {
  readonly dir: string;
  readonly config: string;
  readonly socket: string;
  readonly decisionLog: string;
}

/**
 * A config like the demo's (static directory + demo policy), everything in a fresh temp dir that
 * the caller removes. (Not test/support/temp-dir.ts: its `after` would run at the end of the
 * `before` hook that calls it, removing the socket while the daemon still serves.)
 */
function rosterConfig(): RosterSetup {
  const dir = mkdtempSync(join(tmpdir(), 'roster-nginx-'));
  copyFileSync(join(REPO, 'config/demo/directory.yaml'), join(dir, 'directory.yaml'));
  copyFileSync(join(REPO, 'config/demo/policy.yaml'), join(dir, 'policy.yaml'));
  const config = join(dir, 'roster.yaml');
  writeFileSync(
    config,
    `store: { path: ./roster.db }
log: { level: info }
listen:
  decision: { path: ./decision.sock }
  admin: { path: ./admin.sock }
decisionLog: { path: ./decisions.db, mode: durable }
policy: { file: ./policy.yaml }
identity: { link: [{ by: email }] }
roles:
  # The demo policy names every one of these roles (admin too), so all must be configured.
  - name: admin
    rank: 100
    grantedBy: [{ group: { source: demo, name: it-admins } }]
  - name: clinician
    rank: 50
    grantedBy: [{ group: { source: demo, name: clinical } }]
  - name: staff
    rank: 10
    grantedBy: [{ group: { source: demo, name: all-staff } }]
  - name: marketing
    rank: 20
    grantedBy: [{ attribute: { source: demo, name: department, equals: Marketing } }]
  - { name: support-agent, rank: 30 }
  - { name: research-agent, rank: 30 }
sources:
  - id: demo
    type: static
    schedule: "0 0 1 1 *"
    options: { file: ./directory.yaml }
`,
  );
  return { dir, config, socket: join(dir, 'decision.sock'), decisionLog: join(dir, 'decisions.db') };
}

interface RunningDaemon {
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for the exit (SIGKILL after 10 s); resolves to the exit code. Idempotent. */
  stop(): Promise<number | null>;
}

/** Starts `roster daemon` and waits until the socket answers /healthz and /readyz is 200. */
async function startDaemon(setup: RosterSetup): Promise<RunningDaemon> {
  const child = startCli(['daemon', '-c', setup.config]);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const state: { exit: number | null | undefined } = { exit: undefined };
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      state.exit = code;
      resolve();
    }),
  );
  // If the test process dies without running its cleanup, the daemon dies too.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  let stopping: Promise<number | null> | null = null;
  const daemon: RunningDaemon = {
    child,
    output: () => out,
    stop: () =>
      (stopping ??= (async () => {
        if (state.exit === undefined) {
          child.kill('SIGTERM');
          await within(exited, 10_000);
          if (state.exit === undefined) {
            child.kill('SIGKILL');
            await exited;
          }
        }
        return state.exit ?? null;
      })()),
  };
  try {
    const deadline = Date.now() + 20_000;
    for (const path of ['/healthz', '/readyz']) {
      for (;;) {
        if (state.exit !== undefined) throw new Error(`roster daemon exited with ${state.exit} during start:\n${out}`);
        const status = await socketRequest(setup.socket, 'GET', path).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) break;
        if (Date.now() > deadline) throw new Error(`roster daemon: ${path} not 200 within 20 s (last ${status}):\n${out}`);
        await sleep(50);
      }
    }
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  return daemon;
}

// ---------------------------------------------------------------------------------------------
// The upstream service nginx protects: records what reached it, echoes the headers back
// ---------------------------------------------------------------------------------------------

interface BackendCall {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

async function startBackend(): Promise<{ server: Server; port: number; calls: BackendCall[] }> {
  const calls: BackendCall[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      const body = JSON.stringify({ backend: true, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port, calls };
}

// ---------------------------------------------------------------------------------------------
// nginx configuration (the one docs/decision-api.md documents)
// ---------------------------------------------------------------------------------------------

/** A protected location: ask Roster first, pass the role and decision id upstream. */
const protectedLocation = (prefix: string, backendPort: number): string => `
    location ${prefix} {
      auth_request /_roster;
      auth_request_set $roster_role $upstream_http_x_roster_role;
      auth_request_set $roster_decision_id $upstream_http_x_roster_decision_id;
      auth_request_set $roster_reason $upstream_http_x_roster_reason;
      # The upstream learns who authorized the request (client-sent values are replaced).
      proxy_set_header X-Roster-Role $roster_role;
      proxy_set_header X-Roster-Decision-Id $roster_decision_id;
      # The client gets the decision id and reason on allow and on deny (for support tickets).
      add_header X-Roster-Decision-Id $roster_decision_id always;
      add_header X-Roster-Reason $roster_reason always;
      proxy_pass http://127.0.0.1:${backendPort};
    }`;

/**
 * Roster decides on the path as the client sent it ($request_uri: still percent-encoded, never
 * CR/LF), while nginx routes on the normalized path and the upstream may normalize again. So
 * paths that are not in normal form (dot segments, doubled slashes, encoded dots, slashes or
 * backslashes) are refused before anything is decided: /tickets/../admin/users must not be
 * authorized as a ticket route.
 */
const NORMAL_FORM_GUARD = String.raw`    if ($request_uri ~ "^[^?]*(/\.\.?(/|;|\?|$)|//|%2[eEfF]|%5[cC]|\x5c)") { return 400; }`;

const nginxServer = (socket: string, backendPort: number) => (port: number): string => `
  server {
    listen 127.0.0.1:${port};
    server_name localhost;
${NORMAL_FORM_GUARD}
${protectedLocation('/v1/', backendPort)}
${protectedLocation('/tickets/', backendPort)}

    # The auth subrequest: GET /v1/authz on Roster's decision socket.
    location = /_roster {
      internal;
      proxy_pass http://unix:${socket}:/v1/authz;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      # Only the headers set here reach Roster: a client cannot send X-Roster-Subject itself.
      proxy_pass_request_headers off;
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
      # The subject a previous authentication step verified (here: the X-User request header).
      proxy_set_header X-Roster-Subject $http_x_user;
      proxy_set_header X-Roster-Action $http_x_roster_action;
      proxy_set_header X-Roster-Endpoint $http_x_roster_endpoint;
      proxy_set_header X-Roster-Data-Classes $http_x_roster_data_classes;
      proxy_connect_timeout 2s;
      proxy_read_timeout 5s;
    }
  }
`;

// ---------------------------------------------------------------------------------------------
// A plain HTTP client (no keep-alive, bounded time)
// ---------------------------------------------------------------------------------------------

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** `path` goes on the request line exactly as given (a URL object would resolve "..", "."). */
function http(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, agent: false, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.setTimeout(8_000, () => req.destroy(new Error(`${method} ${path}: no answer within 8 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

const PHI_CHAT = {
  'x-roster-action': 'invoke',
  'x-roster-endpoint': 'azure-openai-hipaa',
  'x-roster-data-classes': 'PHI',
};
const CHAT_BODY = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'summarize the chart' }] });

// ---------------------------------------------------------------------------------------------

describe('nginx auth_request in front of the decision socket', { skip: nginxSkipReason() }, () => {
  let setup: RosterSetup | undefined;
  let daemon: RunningDaemon | undefined;
  let backend: Awaited<ReturnType<typeof startBackend>> | undefined;
  let nginx: RunningNginx | undefined;
  /** Every decision nginx reported, to find in the decision log at the end. */
  const seen: { id: string; decision: 'allow' | 'deny'; subject: string; route: string }[] = [];

  before(async () => {
    setup = rosterConfig();
    daemon = await startDaemon(setup);
    backend = await startBackend();
    nginx = await startNginx({ dir: setup.dir, servers: nginxServer(setup.socket, backend.port) });
  });

  after(async () => {
    // Always clean up, whatever failed; each step on its own.
    await Promise.allSettled([nginx?.stop(), daemon?.stop()]);
    if (backend) {
      backend.server.closeAllConnections();
      await new Promise<void>((resolve) => backend!.server.close(() => resolve()));
    }
    if (setup) rmSync(setup.dir, { recursive: true, force: true });
  });

  /** A request through nginx, with the backend's record of calls reset first. */
  async function viaNginx(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
    backend!.calls.length = 0;
    return http(nginx!.port, method, path, headers, body);
  }

  /** Assertion message: the reply, nginx's error log and the daemon's output. */
  const context = (r: Reply): string => `status ${r.status}, headers ${JSON.stringify(r.headers)}, body ${r.body}\n${nginx!.diagnostics()}\n${daemon!.output()}`;

  it('lets an allowed subject through to the backend with the role and decision id', async () => {
    const r = await viaNginx('POST', '/v1/chat/completions?api-version=2024-06-01', { 'x-user': 'alice@example.com', ...PHI_CHAT, 'x-roster-role': 'admin', 'x-roster-model': 'forged' }, CHAT_BODY);
    assert.equal(r.status, 200, context(r));
    assert.equal(JSON.parse(r.body).backend, true);
    assert.equal(backend!.calls.length, 1);
    const call = backend!.calls[0]!;
    assert.equal(call.method, 'POST');
    assert.equal(call.url, '/v1/chat/completions?api-version=2024-06-01');
    // nginx replaced the client's X-Roster-Role with the role Roster authorized by.
    assert.equal(call.headers['x-roster-role'], 'clinician');
    const id = one(call.headers['x-roster-decision-id']);
    assert.match(id ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(one(r.headers['x-roster-decision-id']), id);
    assert.equal(one(r.headers['x-roster-reason']), 'allowed_by_role');
    seen.push({ id: id!, decision: 'allow', subject: 'alice@example.com', route: '/v1/chat/completions' });
  });

  it('answers 403 for a denied subject and never calls the backend', async () => {
    const r = await viaNginx('POST', '/v1/chat/completions', { 'x-user': 'bob@example.com', ...PHI_CHAT }, CHAT_BODY);
    assert.equal(r.status, 403, context(r));
    assert.equal(backend!.calls.length, 0);
    assert.equal(one(r.headers['x-roster-reason']), 'denied_by_rule');
    const id = one(r.headers['x-roster-decision-id']);
    assert.match(id ?? '', /^[0-9a-f-]{36}$/);
    seen.push({ id: id!, decision: 'deny', subject: 'bob@example.com', route: '/v1/chat/completions' });
  });

  it('answers 403 for an unknown subject', async () => {
    const r = await viaNginx('POST', '/v1/chat/completions', { 'x-user': 'mallory@example.com', ...PHI_CHAT }, CHAT_BODY);
    assert.equal(r.status, 403, context(r));
    assert.equal(backend!.calls.length, 0);
    assert.equal(one(r.headers['x-roster-reason']), 'unknown_subject');
    const id = one(r.headers['x-roster-decision-id']);
    assert.match(id ?? '', /^[0-9a-f-]{36}$/);
    seen.push({ id: id!, decision: 'deny', subject: 'mallory@example.com', route: '/v1/chat/completions' });
  });

  it('answers 401 without a subject, also when the client sends X-Roster-Subject itself', async () => {
    const missing = await viaNginx('POST', '/v1/chat/completions', { ...PHI_CHAT }, CHAT_BODY);
    assert.equal(missing.status, 401, context(missing));
    assert.equal(backend!.calls.length, 0);
    // A forged subject header never reaches Roster: the /_roster location sets X-Roster-Subject
    // from X-User (an empty value drops the header) and passes no other client headers.
    const forged = await viaNginx('POST', '/v1/chat/completions', { 'x-roster-subject': 'alice@example.com', ...PHI_CHAT }, CHAT_BODY);
    assert.equal(forged.status, 401, context(forged));
    assert.equal(backend!.calls.length, 0);
  });

  it('lets the support agent write tickets and denies the research agent', async () => {
    const support = await viaNginx('POST', '/tickets/1', { 'x-user': 'svc-support-agent', 'x-roster-action': 'write' }, '{"status":"closed"}');
    assert.equal(support.status, 200, context(support));
    assert.equal(backend!.calls.length, 1);
    assert.equal(backend!.calls[0]!.url, '/tickets/1');
    assert.equal(backend!.calls[0]!.headers['x-roster-role'], 'support-agent');
    const supportId = one(backend!.calls[0]!.headers['x-roster-decision-id']);
    assert.match(supportId ?? '', /^[0-9a-f-]{36}$/);
    seen.push({ id: supportId!, decision: 'allow', subject: 'svc-support-agent', route: '/tickets/1' });

    const research = await viaNginx('POST', '/tickets/1', { 'x-user': 'agent-research', 'x-roster-action': 'write' }, '{"status":"closed"}');
    assert.equal(research.status, 403, context(research));
    assert.equal(backend!.calls.length, 0);
    assert.equal(one(research.headers['x-roster-reason']), 'no_matching_rule');
    const researchId = one(research.headers['x-roster-decision-id']);
    assert.match(researchId ?? '', /^[0-9a-f-]{36}$/);
    seen.push({ id: researchId!, decision: 'deny', subject: 'agent-research', route: '/tickets/1' });
  });

  it('refuses paths not in normal form before asking Roster (no /tickets/../admin confusion)', async () => {
    for (const path of ['/tickets/../admin/users', '/tickets/%2e%2e/admin/users', '/tickets/..%2Fadmin/users', '/tickets//1', '/tickets/./1', '/tickets/..;/admin']) {
      const r = await viaNginx('POST', path, { 'x-user': 'svc-support-agent', 'x-roster-action': 'write' }, '{}');
      assert.equal(r.status, 400, `${path}: ${context(r)}`);
      assert.equal(backend!.calls.length, 0, path);
      assert.equal(r.headers['x-roster-decision-id'], undefined, `${path} was sent to Roster`);
    }
    // A query string may contain anything; names that merely start with a dot are fine.
    const ok = await viaNginx('POST', '/tickets/.well-known?next=/a/../b//c', { 'x-user': 'svc-support-agent', 'x-roster-action': 'write' }, '{}');
    assert.equal(ok.status, 200, context(ok));
    seen.push({ id: one(ok.headers['x-roster-decision-id'])!, decision: 'allow', subject: 'svc-support-agent', route: '/tickets/.well-known' });
  });

  it('fails closed (500) when the daemon is down, and every decision is in the decision log', async () => {
    assert.equal(await daemon!.stop(), 0, daemon!.output());
    const r = await viaNginx('POST', '/v1/chat/completions', { 'x-user': 'alice@example.com', ...PHI_CHAT }, CHAT_BODY);
    assert.equal(r.status, 500, context(r));
    assert.equal(backend!.calls.length, 0);
    assert.match(nginx!.diagnostics(), /auth request unexpected status: 502/);

    // One decision per case above (allow and deny), each recorded (durable mode) with the
    // request as nginx passed it: only the headers the /_roster location sets (the client's
    // X-Roster-Model of the first case did not reach Roster).
    assert.ok(seen.length > 0, 'the cases above reported decision ids');
    const log = DecisionLogStore.open(setup!.decisionLog, { readonly: true });
    try {
      for (const s of seen) {
        const row = log.byId(s.id);
        assert.ok(row, `decision ${s.id} (${s.subject}) is not in the decision log`);
        assert.equal(row.decision, s.decision);
        assert.equal(row.subject, s.subject);
        assert.equal(row.route, s.route);
      }
      const aliceId = seen.find((s) => s.subject === 'alice@example.com')?.id;
      assert.ok(aliceId, 'the first case reported its decision id');
      const alice = JSON.parse(log.byId(aliceId)!.record) as Record<string, unknown>;
      assert.deepEqual(
        {
          subject: alice.subject,
          route: alice.route,
          method: alice.method,
          action: alice.action,
          resource: alice.resource,
          context: alice.context,
          reason: alice.reason,
          authorizedBy: alice.authorizedBy,
        },
        {
          subject: { id: 'alice@example.com', issuer: null, kind: null },
          route: '/v1/chat/completions',
          method: 'POST',
          action: 'invoke',
          resource: { endpoint: 'azure-openai-hipaa' },
          context: { dataClasses: ['PHI'] },
          reason: 'allowed_by_role',
          authorizedBy: { role: 'clinician', policy: 'hipaa-chat', rule: 'clinicians-may-send-phi' },
        },
      );
    } finally {
      log.close();
    }
  });
});

describe('Envoy ext_authz HTTP service endpoint (/envoy/*) over the socket', () => {
  let setup: RosterSetup | undefined;
  let daemon: RunningDaemon | undefined;

  before(async () => {
    setup = rosterConfig();
    daemon = await startDaemon(setup);
  });

  after(async () => {
    await daemon?.stop();
    if (setup) rmSync(setup.dir, { recursive: true, force: true });
  });

  it('decides on the original method and path: support agent allowed, research agent denied', async () => {
    // Envoy sends the original method, the path under path_prefix, and the allowed headers.
    const allowed = await socketRequest(setup!.socket, 'POST', '/envoy/tickets/1', undefined, { 'x-roster-subject': 'svc-support-agent', 'x-roster-action': 'write' });
    assert.equal(allowed.status, 200, allowed.body);
    assert.equal(allowed.headers['x-roster-decision'], 'allow');
    assert.equal(allowed.headers['x-roster-role'], 'support-agent');
    assert.equal(allowed.headers['x-roster-rule'], 'support-agent-writes-tickets');
    assert.match(String(allowed.headers['x-roster-decision-id']), /^[0-9a-f-]{36}$/);
    assert.equal(JSON.parse(allowed.body).decision, 'allow');

    const denied = await socketRequest(setup!.socket, 'POST', '/envoy/tickets/1', undefined, { 'x-roster-subject': 'agent-research', 'x-roster-action': 'write' });
    assert.equal(denied.status, 403, denied.body);
    assert.equal(denied.headers['x-roster-decision'], 'deny');
    assert.equal(denied.headers['x-roster-role'], undefined);
    assert.equal(JSON.parse(denied.body).reason, 'no_matching_rule');

    // The research agent may read (GET), which is the method Envoy would forward.
    const read = await socketRequest(setup!.socket, 'GET', '/envoy/tickets/1?expand=1', undefined, { 'x-roster-subject': 'agent-research', 'x-roster-action': 'read' });
    assert.equal(read.status, 200, read.body);
    assert.equal(read.headers['x-roster-role'], 'research-agent');

    const noSubject = await socketRequest(setup!.socket, 'POST', '/envoy/tickets/1', undefined, { 'x-roster-action': 'write' });
    assert.equal(noSubject.status, 401, noSubject.body);
    assert.equal(JSON.parse(noSubject.body).error.code, 'ROSTER_ERR_SUBJECT_MISSING');
  });
});

describe('docs/decision-api.md', () => {
  it('shows the nginx configuration this test runs', () => {
    const doc = new Set(readFileSync(join(REPO, 'docs/decision-api.md'), 'utf8').split('\n').map((l) => l.trim()));
    const config = nginxServer('/run/roster/decision.sock', 8080)(443)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && l !== '}' && l !== 'server {' && !/^(listen|server_name) /.test(l));
    const missing = config.filter((l) => !doc.has(l));
    assert.deepEqual(missing, [], 'lines of the tested nginx configuration missing from docs/decision-api.md');
  });
});
