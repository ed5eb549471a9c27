import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { scimConnectorFactory } from '../../connectors/scim/index.js';
import { groupBody, patchBody, SCIM_TOKEN, ScimHarness, userBody } from '../support/scim-harness.js';
import { tempDir } from '../support/temp-dir.js';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A raw request, for bodies fetch will not send (chunked, lying Content-Length). */
function raw(url: string, opts: { method: string; headers?: Record<string, string>; chunks?: Buffer[] }): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method, headers: { authorization: `Bearer ${SCIM_TOKEN}`, ...opts.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    const write = (i: number): void => {
      if (!opts.chunks || i >= opts.chunks.length) return void req.end();
      if (req.destroyed) return;
      req.write(opts.chunks[i], () => setImmediate(() => write(i + 1)));
    };
    write(0);
  });
}

function isScimError(r: { status: number; body: unknown }, status: number, scimType?: string): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  const b = (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as Record<string, unknown>;
  assert.deepEqual([b.schemas, b.status, b.scimType], [[ERROR], String(status), scimType]);
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('scim: authentication', () => {
  it('401 with a SCIM error body and a Bearer challenge; tokens by hash or by secret reference', async () => {
    process.env.ROSTER_TEST_SCIM_TOKEN = 'second-token-from-env';
    const h = await ScimHarness.start({
      options: {
        tokens: [
          { name: 'okta', sha256: createHash('sha256').update(SCIM_TOKEN).digest('hex') },
          { name: 'entra', env: 'ROSTER_TEST_SCIM_TOKEN' },
        ],
      },
    });
    const none = await h.req('GET', '/Users', undefined, { authorization: '' });
    isScimError(none, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
    const wrong = await h.req('GET', '/Users', undefined, { authorization: 'Bearer not-the-token' });
    isScimError(wrong, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /invalid_token/);
    isScimError(await h.req('GET', '/Users', undefined, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }), 401);
    isScimError(await h.req('GET', '/ServiceProviderConfig', undefined, { authorization: '' }), 401);
    isScimError(await h.req('POST', '/Users', userBody('x@example.com'), { authorization: `Bearer ${SCIM_TOKEN}x` }), 401);
    assert.equal((await h.req('GET', '/Users', undefined, { authorization: `bearer ${SCIM_TOKEN}` })).status, 200);
    assert.equal((await h.req('GET', '/Users', undefined, { authorization: 'Bearer second-token-from-env' })).status, 200);
    assert.equal(h.version(), 0);
    assert.equal(JSON.stringify(h.logs).includes('second-token-from-env'), false, 'token values are never logged');
    assert.deepEqual((h.logs[0]!.obj as { tokens: string[] }).tokens, ['okta', 'entra']);
  });

  it('slows down repeated authentication failures from one address', async () => {
    const h = await ScimHarness.start();
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await h.req('GET', '/Users', undefined, { authorization: `Bearer guess-${i}` })).status);
    assert.ok(statuses.slice(0, 20).every((s) => s === 401));
    assert.ok(statuses.slice(20).includes(429));
  });

  it('applies the per-token rate limit with 429 and Retry-After', async () => {
    const h = await ScimHarness.start({ options: { rateLimit: { perSecond: 1, burst: 3 } } });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) statuses.push((last = await h.req('GET', '/Users')).status);
    assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
    assert.equal(statuses[4], 429);
    isScimError(last!, 429);
    assert.ok(Number(last!.headers.get('retry-after')) >= 1);
  });

  it('validates its options: plain HTTP only on loopback, no inline tokens', () => {
    const token = [{ sha256: 'a'.repeat(64) }];
    assert.throws(() => scimConnectorFactory.parseOptions({ listen: { host: '0.0.0.0', port: 8443 }, tokens: token }), /loopback/);
    assert.ok(scimConnectorFactory.parseOptions({ listen: { host: '0.0.0.0', port: 8443 }, tokens: token, allowPlainHttp: true }));
    assert.ok(scimConnectorFactory.parseOptions({ listen: { host: '0.0.0.0', port: 8443 }, tokens: token, tls: { cert: 'c.pem', key: 'k.pem' } }));
    assert.throws(() => scimConnectorFactory.parseOptions({ listen: { port: 1 }, tokens: ['plain-token'] }), /inline tokens/);
    assert.throws(() => scimConnectorFactory.parseOptions({ listen: { port: 1 }, tokens: [] }));
    assert.throws(() => scimConnectorFactory.parseOptions({ listen: { port: 1 }, tokens: token, extra: 1 }));
  });

  it('serves HTTPS with the configured certificate and key', async () => {
    const dir = tempDir('roster-scim-tls-');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const h = await ScimHarness.start({ options: { tls: { cert, key }, listen: { host: '127.0.0.1', port: 0 } } });
    assert.match(h.base, /^https:/);
    const body = await new Promise<string>((resolve, reject) => {
      httpsRequest(`${h.base}/ServiceProviderConfig`, { ca: readFileSync(cert), headers: { authorization: `Bearer ${SCIM_TOKEN}` } }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(b));
      })
        .on('error', reject)
        .end();
    });
    assert.equal(JSON.parse(body).patch.supported, true);
    await assert.rejects(fetch(`${h.base.replace('https', 'http')}/Users`));
  });
});

describe('scim: hostile and malformed input', () => {
  it('413 for bodies over the limit, declared or streamed', async () => {
    const h = await ScimHarness.start({ options: { bodyLimit: 4096 } });
    const big = JSON.stringify(userBody('big@example.com', { nickName: 'x'.repeat(10_000) }));
    isScimError(await h.req('POST', '/Users', big), 413);
    const chunked = await raw(`${h.base}/Users`, { method: 'POST', headers: { 'content-type': 'application/scim+json' }, chunks: Array.from({ length: 20 }, () => Buffer.from(' '.repeat(1000))) });
    isScimError({ status: chunked.status, body: chunked.body }, 413);
    assert.equal(h.version(), 0);
    assert.equal((await h.req('POST', '/Users', userBody('small@example.com'))).status, 201, 'the listener is fine afterwards');
  });

  it('400 invalidSyntax for malformed JSON, empty bodies and deep nesting; never a 500', async () => {
    const h = await ScimHarness.start();
    isScimError(await h.req('POST', '/Users', '{"schemas": ['), 400, 'invalidSyntax');
    isScimError(await h.req('POST', '/Users', ''), 400, 'invalidSyntax');
    isScimError(await h.req('POST', '/Users', '[]'), 400, 'invalidSyntax');
    isScimError(await h.req('POST', '/Users', '"just a string"'), 400, 'invalidSyntax');
    const deep = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"d","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    isScimError(await h.req('POST', '/Users', deep), 400, 'invalidSyntax');
    const deepObj = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"d","x":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`;
    isScimError(await h.req('POST', '/Users', deepObj), 400, 'invalidSyntax');
    isScimError(await h.req('PATCH', '/Users/x', `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":${'['.repeat(50)}${']'.repeat(50)}}`), 400, 'invalidSyntax');
    isScimError(await h.req('GET', `/Users?filter=${encodeURIComponent(`${'('.repeat(5000)}a pr${')'.repeat(5000)}`)}`), 400, 'invalidFilter');
    isScimError(await h.req('GET', '/Users/%E0%A4%A'), 400, 'invalidSyntax');
  });

  it('400 invalidValue for wrong types, and nothing is written', async () => {
    const h = await ScimHarness.start();
    const uid = (await h.req('POST', '/Users', userBody('ok@example.com'))).body.id as string;
    const gid = (await h.req('POST', '/Groups', groupBody('G'))).body.id as string;
    const v = h.version();
    for (const bad of [
      userBody('a@example.com', { userName: { nested: true } }),
      userBody('a@example.com', { active: 'maybe' }),
      userBody('a@example.com', { active: {} }),
      userBody('a@example.com', { name: [] }),
      userBody('a@example.com', { emails: [{ value: ['x'] }] }),
      userBody('a@example.com', { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': [] }),
      userBody('a@example.com', { 'bad key': 1 }),
      JSON.parse('{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"p","x":{"__proto__":{"admin":true}}}'),
    ]) {
      isScimError(await h.req('POST', '/Users', bad), 400, 'invalidValue');
    }
    isScimError(await h.req('POST', '/Users', { schemas: 'urn:ietf:params:scim:schemas:core:2.0:User', userName: 'x' }), 400, 'invalidSyntax');
    isScimError(await h.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: null }), 400, 'invalidValue');
    isScimError(await h.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'x', members: [5] }), 400, 'invalidValue');
    isScimError(await h.req('PATCH', `/Users/${uid}`, patchBody({ op: 'replace', path: 'active', value: [true] })), 400, 'invalidValue');
    isScimError(await h.req('PATCH', `/Users/${uid}`, patchBody({ op: 'replace', path: 'id', value: 'mine' })), 400, 'mutability');
    isScimError(await h.req('PATCH', `/Users/${uid}`, patchBody({ op: 'remove' })), 400, 'noTarget');
    isScimError(await h.req('PATCH', `/Users/${uid}`, patchBody({ op: 'remove', path: 'emails[' })), 400, 'invalidPath');
    isScimError(await h.req('PATCH', `/Users/${uid}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [null] }), 400, 'invalidSyntax');
    isScimError(await h.req('PATCH', `/Groups/${gid}`, patchBody({ op: 'add', path: 'members', value: 'x' }, { op: 'replace', path: 'displayName', value: '' })), 400, 'invalidValue');
    assert.equal(h.version(), v, 'a rejected request writes nothing');
    assert.deepEqual(({} as Record<string, unknown>).admin, undefined);
  });

  it('fuzz: random bodies, paths and filters never get a 500', async () => {
    const h = await ScimHarness.start();
    const uid = (await h.req('POST', '/Users', userBody('fuzz@example.com'))).body.id as string;
    const gid = (await h.req('POST', '/Groups', groupBody('F', [uid]))).body.id as string;
    const r = rng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const atoms = [null, true, false, 0, -1, 1.5, '', 'x', 'True', 'False', '__proto__', 'constructor', uid, gid, 'a'.repeat(300), [], {}];
    const keys = ['schemas', 'userName', 'active', 'name', 'emails', 'members', 'displayName', 'Operations', 'op', 'path', 'value', 'id', 'meta', 'externalId', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'name.givenName', 'emails[type eq "work"].value', 'members[value eq "x"]', 'password', '$ref', 'primary', 'type'];
    const value = (depth: number): unknown => {
      if (depth > 3 || r() < 0.4) return pick(atoms);
      if (r() < 0.5) return Array.from({ length: Math.floor(r() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(r() * 5) }, () => [pick(keys), value(depth + 1)]));
    };
    const schemaFor = ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:core:2.0:Group', 'urn:ietf:params:scim:api:messages:2.0:PatchOp'];
    const ops = ['add', 'Add', 'replace', 'Replace', 'remove', 'Remove', 'copy'];
    const paths = ['members', 'members[value eq "x"]', 'emails[type eq "work"].value', 'name.givenName', 'active', 'displayName', 'id', 'userName', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', '[', 'a.b.c', 'groups', 'x[y eq 1]'];
    const filters = ['userName eq', 'x eq "1" and', 'emails[type eq "work"', 'not(', 'a pr or', 'meta.created gt 5', 'active lt true', 'members eq 5', 'name.givenName sw null', 'displayName co "\\u12"', ')('];
    let served = 0;
    for (let i = 0; i < 400; i++) {
      const kind = i % 5;
      let res;
      if (kind === 0) res = await h.req('POST', pick(['/Users', '/Groups']), { schemas: r() < 0.8 ? [pick(schemaFor)] : value(1), ...(value(0) as object) });
      else if (kind === 1 || kind === 2) {
        const Operations = Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({ op: pick(ops), ...(r() < 0.7 ? { path: pick(paths) } : {}), value: value(1) }));
        res = await h.req('PATCH', kind === 1 ? `/Users/${uid}` : `/Groups/${gid}`, { schemas: [schemaFor[2]], Operations });
      } else if (kind === 3) res = await h.req('PUT', pick([`/Users/${uid}`, `/Groups/${gid}`]), { schemas: [pick(schemaFor)], ...(value(0) as object) });
      else res = await h.req('GET', `/${pick(['Users', 'Groups'])}?filter=${encodeURIComponent(pick(filters))}&attributes=${encodeURIComponent(pick(keys))}`);
      assert.ok(res.status < 500, `request ${i}: ${res.status} ${res.text}`);
      if (res.status >= 400) assert.equal(res.body?.schemas?.[0], ERROR, res.text);
      served++;
    }
    assert.equal(served, 400);
    assert.ok(!h.logs.some((l) => l.level === 'error'), JSON.stringify(h.logs.filter((l) => l.level === 'error')));
  });
});
