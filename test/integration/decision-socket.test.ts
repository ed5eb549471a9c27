import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import type { DecisionServer } from '../../src/serve/decision-server.js';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DecisionLogWriter } from '../../src/audit/decision-log-writer.js';
import { socketRequest } from '../../src/cli/socket-request.js';
import { RosterError } from '../../src/errors/roster-error.js';
import { DEFAULT_AUTHZ_HEADERS } from '../../src/serve/authz-headers.js';
import { createDecisionServer } from '../../src/serve/decision-server.js';
import { DecisionService } from '../../src/serve/decision-service.js';
import { listenUnixSocket } from '../../src/serve/listen-unix-socket.js';
import { DecisionLogStore } from '../../src/store/decision-log-store.js';
import { indexOf, stateOf } from '../support/policy-fixtures.js';
import { tempDir } from '../support/temp-dir.js';

const state = stateOf([
  { id: 'p_0000000000000001', identifiers: [{ kind: 'email', value: 'alice@example.com' }], roles: { staff: 'ldap' } },
  { id: 'p_0000000000000002', identifiers: [{ kind: 'email', value: 'bob@example.com' }], roles: {} },
]);
const policy = { routes: [{ name: 'chat', path: '/v1/chat', methods: ['POST'] }], rules: [{ name: 'staff-chat', effect: 'allow', roles: ['staff'], routes: ['chat'] }] };
const ok = { subject: { id: 'alice@example.com' }, route: '/v1/chat', method: 'POST' };

/** Raw bytes over the socket, for requests node's http client will not send. */
function raw(path: string, data: string | Buffer, waitMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(path);
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(out));
    s.write(data);
    setTimeout(() => s.destroy(), waitMs);
  });
}

describe('decision socket', () => {
  const dir = tempDir();
  const socket = join(dir, 'decision.sock');
  const logStore = DecisionLogStore.open(join(dir, 'decisions.db'));
  const writer = new DecisionLogWriter(logStore, { mode: 'durable', windowMs: 1, maxBatch: 64 });
  const service = new DecisionService(writer);
  let server: DecisionServer;
  const post = (body: unknown, path = '/v1/decision') => socketRequest(socket, 'POST', path, body);

  before(async () => {
    service.swap(indexOf(state, policy, { staff: 1 }));
    service.setFreshness(new Map([['ldap', { lastSuccessAt: Date.now(), maxStalenessMs: 3_600_000 }]]));
    server = createDecisionServer(service, { bodyLimit: 4096, headers: DEFAULT_AUTHZ_HEADERS, readiness: () => ({ ready: true, details: [] }), headersTimeoutMs: 300, requestTimeoutMs: 600 });
    await listenUnixSocket(server, socket, 0o660);
  });
  after(() => {
    server.close();
    server.closeAllConnections();
    logStore.close();
  });

  it('answers a decision, with an id that is in the decision log before the answer', async () => {
    const r = await post(ok);
    assert.equal(r.status, 200);
    const d = JSON.parse(r.body);
    assert.equal(d.decision, 'allow');
    assert.deepEqual(d.authorizedBy, { role: 'staff', policy: 'chat', rule: 'staff-chat' });
    const row = logStore.byId(d.decisionId);
    assert.ok(row, 'durable: recorded before answering');
    assert.equal(JSON.parse(row.record).decision, 'allow');
  });

  it('answers batches in order', async () => {
    const r = await post({ requests: [ok, { ...ok, subject: { id: 'bob@example.com' } }, { ...ok, subject: { id: 'nobody' } }] }, '/v1/decisions');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body).decisions.map((d: { reason: string }) => d.reason), ['allowed_by_role', 'no_matching_rule', 'unknown_subject']);
  });

  it('malformed JSON, wrong content type, bad schema, oversized bodies: 4xx with codes, never allow', async () => {
    const cases: [string, number, string][] = [
      [`POST /v1/decision HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{"subject`, 400, 'ROSTER_ERR_REQUEST_MALFORMED'],
      [`POST /v1/decision HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`, 415, 'ROSTER_ERR_REQUEST_CONTENT_TYPE'],
      [`POST /v1/decision HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999\r\nConnection: close\r\n\r\n{}`, 413, 'ROSTER_ERR_REQUEST_TOO_LARGE'],
    ];
    for (const [req, status, code] of cases) {
      const out = await raw(socket, req);
      assert.match(out, new RegExp(`^HTTP/1.1 ${status}`), req.slice(0, 40));
      assert.match(out, new RegExp(code));
      assert.doesNotMatch(out, /"allow"/);
    }
    // Chunked, with no declared length, larger than the limit.
    const big = JSON.stringify({ ...ok, context: { pad: 'x'.repeat(10_000) } });
    const chunked = `POST /v1/decision HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`;
    assert.match(await raw(socket, chunked), /^HTTP\/1.1 413/);
    for (const body of [
      {},
      { ...ok, extra: 1 },
      { ...ok, route: 'v1/chat' },
      { ...ok, route: '/v1/../v1/chat' },
      { ...ok, route: '/v1/chat?x=1' },
      { ...ok, subject: { id: 'alice@example.com', kind: 'nickname' } },
      { ...ok, subject: { id: '' } },
      { ...ok, subject: 'alice@example.com' },
      { ...ok, resource: { model: 5 } },
      { ...ok, context: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } },
      [ok],
      'allow',
    ]) {
      const r = await post(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(JSON.parse(r.body).error.code, 'ROSTER_ERR_REQUEST_INVALID');
    }
    const bad = await post({ requests: [ok, { nope: true }] }, '/v1/decisions');
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error.message, /requests\[1\]/);
  });

  it('wrong method 405, unknown path 404, health and readiness', async () => {
    assert.equal((await socketRequest(socket, 'GET', '/v1/decision')).status, 405);
    assert.equal((await socketRequest(socket, 'GET', '/nope')).status, 404);
    assert.equal((await socketRequest(socket, 'GET', '/healthz')).status, 200);
    assert.equal((await socketRequest(socket, 'GET', '/readyz')).status, 200);
  });

  it('nginx auth_request endpoint: 401 without subject, 200/403 with decision headers', async () => {
    assert.equal((await socketRequest(socket, 'GET', '/v1/authz')).status, 401);
    const allow = await socketRequest(socket, 'GET', '/v1/authz', undefined, { 'x-roster-subject': 'alice@example.com', 'x-original-uri': '/v1/chat?x=1', 'x-original-method': 'POST' });
    assert.equal(allow.status, 200);
    assert.equal(allow.headers['x-roster-role'], 'staff');
    assert.ok(allow.headers['x-roster-decision-id']);
    const deny = await socketRequest(socket, 'GET', '/v1/authz', undefined, { 'x-roster-subject': 'bob@example.com', 'x-original-uri': '/v1/chat', 'x-original-method': 'POST' });
    assert.equal(deny.status, 403);
    const envoy = await socketRequest(socket, 'POST', '/envoy/v1/chat', undefined, { 'x-roster-subject': 'alice@example.com' });
    assert.equal(envoy.status, 200);
    const sneaky = await socketRequest(socket, 'GET', '/v1/authz', undefined, { 'x-roster-subject': 'alice@example.com', 'x-original-uri': '/v1/x/../chat', 'x-original-method': 'POST' });
    assert.equal(sneaky.status, 400);
    assert.equal(deny.headers['x-roster-role'], undefined, 'a deny names no authorizing role');
  });

  it('keep-alive and pipelining: answers in request order; HTTP/1.0 and Connection: close end the connection after the answer', async () => {
    const frame = (subject: string, extra = '') => {
      const body = JSON.stringify({ ...ok, subject: { id: subject } });
      return `POST /v1/decision HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
    };
    // Three pipelined requests in one write, the last closing: three answers in order, then close.
    const out = await raw(socket, frame('alice@example.com') + frame('bob@example.com') + frame('alice@example.com', 'Connection: close\r\n'), 3000);
    const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '200', '200']);
    assert.deepEqual([...out.matchAll(/"decision":"(\w+)"/g)].map((m) => m[1]), ['allow', 'deny', 'allow']);
    assert.match(out, /connection: close/i);
    // HTTP/1.0 without keep-alive: one answer, then the server closes (raw resolves on close).
    const started = Date.now();
    const old = await raw(socket, `GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n`, 3000);
    assert.match(old, /^HTTP\/1\.1 200/);
    assert.ok(Date.now() - started < 2000, 'closed after the answer');
    // HEAD: the head only.
    const head = await raw(socket, `HEAD /v1/authz HTTP/1.1\r\nHost: x\r\nX-Roster-Subject: alice@example.com\r\nX-Original-URI: /v1/chat\r\nX-Original-Method: POST\r\nConnection: close\r\n\r\n`);
    assert.match(head, /^HTTP\/1\.1 200[^]*\r\n\r\n$/);
  });

  it('answers a client that half-closes after its request, and a pipelined flood in order', async () => {
    const body = JSON.stringify(ok);
    const one = `POST /v1/decision HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const exchange = (data: string) =>
      new Promise<string>((resolve, reject) => {
        const s = connect({ path: socket, allowHalfOpen: true });
        let out = '';
        s.on('data', (d) => (out += d.toString()));
        s.on('end', () => resolve(out));
        s.on('error', reject);
        s.end(data);
      });
    assert.match(await exchange(one), /^HTTP\/1\.1 200[^]*"decision":"allow"/);
    const flood = await exchange(one.repeat(400));
    assert.equal([...flood.matchAll(/HTTP\/1\.1 200 /g)].length, 400);
    const ids = [...flood.matchAll(/"decisionId":"([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(new Set(ids).size, 400);
  });

  it('a connection that turns unusual mid-stream is served by node:http from there, in order', async () => {
    const body = JSON.stringify(ok);
    const plain = `POST /v1/decision HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const chunked = `POST /v1/decision HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    // Duplicate fields are never guessed at by the fast path: node:http decides (here: one subject header twice).
    const dup = `GET /v1/authz HTTP/1.1\r\nHost: x\r\nX-Roster-Subject: alice@example.com\r\nX-Roster-Subject: bob@example.com\r\nX-Original-URI: /v1/chat\r\nX-Original-Method: POST\r\nConnection: close\r\n\r\n`;
    const out = await raw(socket, plain + chunked + plain + dup, 3000);
    const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    assert.equal(statuses.length, 4, out);
    assert.deepEqual(statuses.slice(0, 3), ['200', '200', '200']);
    assert.match(out, /"decision":"allow"[^]*"decision":"allow"[^]*"decision":"allow"/);
  });

  it('refuses request smuggling shapes and header injection', async () => {
    const body = JSON.stringify(ok);
    // Content-Length and Transfer-Encoding together, or two lengths: node:http's parser refuses them.
    const both = `POST /v1/decision HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
    assert.match(await raw(socket, both), /^HTTP\/1\.1 400/);
    const twice = `POST /v1/decision HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: 5\r\n\r\n${body}`;
    assert.match(await raw(socket, twice), /^HTTP\/1\.1 400/);
    const negative = `POST /v1/decision HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n${body}`;
    assert.match(await raw(socket, negative), /^HTTP\/1\.1 400/);
    // A bare LF in a field value is not a line break the fast path accepts.
    const lf = `GET /v1/authz HTTP/1.1\r\nHost: x\r\nX-Roster-Subject: alice@example.com\nX-Original-URI: /admin\r\nConnection: close\r\n\r\n`;
    assert.doesNotMatch(await raw(socket, lf), /^HTTP\/1\.1 200/);
  });

  it('cuts off a slowloris client and keeps serving others', async () => {
    const started = Date.now();
    const out = await raw(socket, 'POST /v1/decision HTTP/1.1\r\nHost: x\r\nContent-Ty', 5000);
    assert.ok(Date.now() - started < 4000, 'the server closed the stalled connection');
    assert.doesNotMatch(out, /allow/);
    assert.equal((await post(ok)).status, 200);
  });

  it('denies with 503 when the durable log cannot record, and recovers', async () => {
    logStore.db.exec("CREATE TRIGGER full BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    const r = await post(ok);
    assert.equal(r.status, 503);
    assert.equal(JSON.parse(r.body).error.code, 'ROSTER_ERR_AUDIT_UNAVAILABLE');
    assert.doesNotMatch(r.body, /"allow"/);
    logStore.db.exec('DROP TRIGGER full');
    assert.equal((await post(ok)).status, 200);
  });

  it('the socket has the configured mode; a stale socket file is replaced; a live one is refused', async () => {
    assert.equal(statSync(socket).mode & 0o777, 0o660);
    await assert.rejects(listenUnixSocket(createDecisionServer(service, { bodyLimit: 1, headers: DEFAULT_AUTHZ_HEADERS, readiness: () => ({ ready: true, details: [] }) }), socket, 0o600), (e: unknown) => e instanceof RosterError && e.code === 'ROSTER_ERR_SOCKET_IN_USE');
    const stale = join(dir, 'stale.sock');
    const dead = createServer();
    await new Promise<void>((res) => dead.listen(stale, () => res()));
    // Simulate a crash: the file stays, nobody listens.
    (dead as unknown as { _handle: { close(): void } | null })._handle?.close();
    const fresh = createDecisionServer(service, { bodyLimit: 1024, headers: DEFAULT_AUTHZ_HEADERS, readiness: () => ({ ready: true, details: [] }) });
    await listenUnixSocket(fresh, stale, 0o600);
    assert.equal((await socketRequest(stale, 'GET', '/healthz')).status, 200);
    fresh.close();
    const notSocket = join(dir, 'file.sock');
    writeFileSync(notSocket, 'x');
    await assert.rejects(listenUnixSocket(createDecisionServer(service, { bodyLimit: 1, headers: DEFAULT_AUTHZ_HEADERS, readiness: () => ({ ready: true, details: [] }) }), notSocket, 0o600), /not a socket/);
  });
});
