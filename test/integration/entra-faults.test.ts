/**
 * The `entra` connector's faults against the fake token endpoint and fake Graph: expired or
 * reset delta state (410 Gone with Location, syncStateNotFound, a round reset mid-way) turns into
 * a full resync; throttling (429 / 503 with Retry-After) is waited out and shows in the run's
 * progress (what `roster status` shows); a run that fails applies nothing and keeps the cursor;
 * wrong credentials are a clear error that never shows the secret; certificates, national clouds
 * and renewed access tokens work.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EntraSourceError, decodeCursor } from '../../connectors/entra/index.js';
import { createLogger } from '../../src/log/create-logger.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { SourceRunner } from '../../src/sync/source-runner.js';
import { tempDir } from '../support/temp-dir.js';
import { testApplier } from '../support/test-applier.js';
import { CONTOSO_OPTIONS, CONTOSO_ROLES, G, U, bulkUserId, contosoDirectory } from '../fakes/entra/contoso.js';
import { SECRET, entraConnector, entraOptions, flatten, startFakeEntra, syncAndApply, type FakeEntra } from '../fakes/entra/harness.js';
import { makeTestCertificate, opensslSkipReason } from '../fakes/entra/test-cert.js';

const rules: ResolveRules = { linking: [], roles: CONTOSO_ROLES };
type T = ReturnType<typeof testApplier>;
const roles = (t: T, subject: string): string[] => {
  const v = t.store.history.latestVersion()!.id;
  const [pid] = t.store.history.principalsForSubject(subject, v);
  return pid ? t.store.history.rolesAt(pid, v).map((r) => r.role).sort() : [];
};
const cursorOf = (t: T): string | null => t.store.syncStates()[0]?.cursor ?? null;

describe('entra connector faults', { timeout: 60_000 }, () => {
  const dir = tempDir('roster-entra-faults-');
  let fake: FakeEntra;
  beforeEach(async () => {
    fake = await startFakeEntra(contosoDirectory(), { pageSize: 100, membersPerPage: 200 });
  });
  afterEach(() => fake?.close());

  const setup = async (extra: Record<string, unknown> = {}) => {
    const t = testApplier(rules);
    const c = entraConnector(fake, entraOptions(dir, { ...CONTOSO_OPTIONS, ...extra }), dir);
    await syncAndApply(c.connector, t.applier, t.store, { mode: 'full' });
    return { t, ...c };
  };

  it('410 Gone with Location on a deltaLink: a full resync from that Location, changes included', async () => {
    const { t, connector, log } = await setup();
    fake.dir.addMember(G.sre, U.dave);
    fake.dir.hardDelete('users', U.frank);
    fake.graph.expireDeltaTokens('users', '410');
    const before = fake.graph.requests.length;
    const r = await syncAndApply(connector, t.applier, t.store);
    assert.equal(r.run.kind, 'full', 'the run became a full one');
    const reqs = fake.graph.requests.slice(before);
    assert.equal(reqs[0]!.status, 410);
    const restart = reqs.find((x, i) => i > 0 && x.path === '/v1.0/users/delta')!;
    assert.match(restart.query, /^\?\$select=id,displayName,userPrincipalName,mail,accountEnabled,userType,department$/, 'a fresh initial round, not $deltatoken=latest');
    assert.ok(roles(t, 'dave@contoso.com').includes('sre'));
    assert.deepEqual(t.store.history.principalsForSubject('frank@fabrikam.com', t.store.history.latestVersion()!.id), [], 'removed by the full snapshot');
    assert.match(log.text(), /delta state expired or reset; running a full resync/);
    // And the next run is incremental again, from fresh links.
    fake.dir.removeMember(G.sre, U.dave);
    const next = await syncAndApply(connector, t.applier, t.store);
    assert.equal(next.run.kind, 'delta');
    assert.ok(!roles(t, 'dave@contoso.com').includes('sre'));
  });

  it('syncStateNotFound (an expired delta token, 400) on the groups link: a full resync', async () => {
    const { t, connector } = await setup();
    fake.dir.removeMember(G.engineering, U.alice);
    fake.graph.expireDeltaTokens('groups', 'syncStateNotFound');
    const r = await syncAndApply(connector, t.applier, t.store);
    assert.equal(r.run.kind, 'full');
    assert.ok(!roles(t, 'alice@contoso.com').includes('engineer'));
  });

  it('a delta round reset mid-way: the run fails, nothing is applied, the cursor stays; the next run is a full one', async () => {
    const { t, connector } = await setup();
    for (let i = 0; i < 150; i++) fake.dir.update('users', bulkUserId(i), { displayName: `Renamed ${i}` });
    fake.dir.removeMember(G.engineering, U.alice);
    fake.graph.resetNextPage('users');
    const version = t.store.history.latestVersion()!.id;
    const cursor = cursorOf(t);
    await assert.rejects(syncAndApply(connector, t.applier, t.store), (err: unknown) => {
      assert.ok(err instanceof EntraSourceError);
      assert.equal(err.fault, 'resync');
      assert.match(err.message, /^Entra source "entra": Microsoft Graph reset the delta round mid-way/);
      return true;
    });
    assert.equal(t.store.history.latestVersion()!.id, version, 'nothing half-applied');
    assert.equal(cursorOf(t), cursor, 'the cursor did not move');
    assert.ok(roles(t, 'alice@contoso.com').includes('engineer'));
    const retry = await syncAndApply(connector, t.applier, t.store);
    assert.equal(retry.run.kind, 'full');
    assert.ok(!roles(t, 'alice@contoso.com').includes('engineer'));
  });

  it('an initial round reset mid-way restarts that round within the run', async () => {
    const t = testApplier(rules);
    const { connector, log } = entraConnector(fake, entraOptions(dir, CONTOSO_OPTIONS), dir);
    fake.graph.resetNextPage('groups');
    const r = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    assert.equal(r.run.kind, 'full');
    assert.ok(roles(t, 'carol@contoso.com').includes('sre'));
    assert.match(log.text(), /initial round reset by Graph; starting it over/);
  });

  it('429 and 503 with Retry-After are waited out, counted as waits in the progress and logged', async () => {
    const { t, connector, log } = await setup();
    fake.dir.update('users', U.alice, { department: 'Oncology' });
    fake.graph.faults.push({ status: 429, retryAfter: 1 }, { status: 503, retryAfter: 1, pathIncludes: '/groups/' }, { status: 429, retryAfter: 0 });
    const r = await syncAndApply(connector, t.applier, t.store);
    assert.equal(r.run.kind, 'delta');
    assert.ok(r.result.version);
    const last = r.progress.at(-1)!;
    assert.equal(last.waits, 3);
    assert.ok(last.waitedMs! >= 2000, `waited ${last.waitedMs} ms`);
    assert.ok(r.progress.some((p) => /answered 429.*Retry-After/.test(p.note ?? '')), 'the note says why it waits');
    const warns = log.lines.filter((l) => l.level === 'warn' && (l.obj as { throttled?: boolean }).throttled === true);
    assert.equal(warns.length, 2);
    assert.ok(!roles(t, 'alice@contoso.com').includes('cardiology'));
  });

  it('throttling that outlasts the in-run retries fails the run: nothing applied, cursor kept, the error says why', async () => {
    const { t, connector } = await setup({ maxRetries: 2 });
    fake.dir.removeMember(G.engineering, U.alice);
    for (let i = 0; i < 3; i++) fake.graph.faults.push({ status: 429, retryAfter: 0, pathIncludes: '/groups/' });
    const cursor = cursorOf(t);
    const version = t.store.history.latestVersion()!.id;
    await assert.rejects(syncAndApply(connector, t.applier, t.store), /Entra source "entra": Microsoft Graph answered 429 TooManyRequests for \/v1.0\/groups\/delta; gave up after 3 attempts/);
    assert.equal(cursorOf(t), cursor);
    assert.equal(t.store.history.latestVersion()!.id, version);
    // A Retry-After longer than maxRetryWait fails at once instead of sleeping the run away.
    const long = entraConnector(fake, entraOptions(dir, { ...CONTOSO_OPTIONS, maxRetryWait: '2s' }), dir).connector;
    fake.graph.faults.push({ status: 429, retryAfter: 120 });
    await assert.rejects(syncAndApply(long, t.applier, t.store), /Retry-After 120 s, longer than maxRetryWait/);
    // Then the throttling ends: the retry applies everything.
    const ok = await syncAndApply(connector, t.applier, t.store);
    assert.ok(!roles(t, 'alice@contoso.com').includes('engineer'));
    assert.equal(ok.run.kind, 'delta');
  });

  it('the source runner shows the throttling wait in its status while the run waits', async () => {
    const t = testApplier(rules);
    const { connector } = entraConnector(fake, entraOptions(dir, CONTOSO_OPTIONS), dir);
    const runner = new SourceRunner(connector, t.applier, t.store, { fullSyncEveryMs: 3_600_000, retryInitialMs: 60_000, retryMaxMs: 60_000 }, createLogger('silent'));
    fake.graph.faults.push({ status: 429, retryAfter: 2 });
    const run = runner.run();
    let seen = null;
    for (let i = 0; i < 40 && !seen; i++) {
      await sleep(50);
      const p = runner.status().progress;
      if (p?.waits) seen = p;
    }
    assert.ok(seen, 'status().progress reported the wait');
    assert.equal(seen.waits, 1);
    assert.match(seen.note ?? '', /429 TooManyRequests; waiting 2\.0 s \(Retry-After\)/);
    await run;
    await runner.stop();
  });

  it('a wrong client secret (invalid_client) is a clear error naming the source, never the secret; nothing applied', async () => {
    const t = testApplier(rules);
    const options = entraOptions(dir, CONTOSO_OPTIONS);
    writeFileSync(join(dir, 'wrong.secret'), 'Wr0ng~secret-value-0123456789\n');
    const { connector, log } = entraConnector(fake, { ...options, clientSecret: { file: 'wrong.secret' } }, dir);
    const err = await syncAndApply(connector, t.applier, t.store, { mode: 'full' }).then(
      () => assert.fail('the run must fail'),
      (e: unknown) => e as Error,
    );
    assert.ok(err instanceof EntraSourceError);
    assert.equal(err.fault, 'credentials');
    assert.match(err.message, /^Entra source "entra": Entra ID rejected the client secret of app 5a1f0c3e-8d2b-4e6a-9f70-1b2c3d4e5f60 in tenant 7e0b2a1c-4f3d-4c59-9b8e-3c1d2e4f5a6b at https:\/\/login\.microsoftonline\.com \(invalid_client\): AADSTS7000215: Invalid client secret provided/);
    assert.ok(!err.message.includes('Wr0ng~secret') && !err.message.includes(SECRET));
    assert.ok(!log.text().includes('Wr0ng~secret'));
    assert.equal(t.store.history.latestVersion(), null, 'nothing applied');
    assert.deepEqual(fake.login.grants.map((g) => g.error), ['invalid_client']);
    assert.equal(fake.graph.requests.length, 0, 'Graph never called');
  });

  it('a missing Graph permission (403) is a clear error naming the permissions', async () => {
    const t = testApplier(rules);
    const { connector } = entraConnector(fake, entraOptions(dir, CONTOSO_OPTIONS), dir);
    fake.graph.faults.push({ status: 403, retryAfter: null, pathIncludes: '/groups/' });
    await assert.rejects(
      syncAndApply(connector, t.applier, t.store, { mode: 'full' }),
      /^EntraSourceError: Entra source "entra": Microsoft Graph refused \/v1\.0\/groups\/delta \(403 Authorization_RequestDenied: Insufficient privileges to complete the operation\.\)\. The app needs the application permissions User\.Read\.All, GroupMember\.Read\.All/,
    );
    assert.equal(t.store.history.latestVersion(), null);
  });

  it('an access token Graph no longer accepts (401) is renewed once', async () => {
    const { t, connector } = await setup();
    fake.book.expireAll();
    fake.dir.update('users', U.alice, { department: 'Oncology' });
    const r = await syncAndApply(connector, t.applier, t.store);
    assert.ok(r.result.version);
    assert.equal(fake.login.grants.filter((g) => g.ok).length, 2);
  });

  it('certificate credentials: msal signs a client assertion the token endpoint verifies against the uploaded certificate', { skip: opensslSkipReason() }, async () => {
    const cert = makeTestCertificate(dir);
    const other = makeTestCertificate(dir, 'other');
    await fake.close();
    fake = await startFakeEntra(contosoDirectory(), {}, { secret: undefined, certificate: cert.certPem });
    const base = { tenantId: fake.app.tenantId, clientId: fake.app.clientId, ...CONTOSO_OPTIONS };
    const t = testApplier(rules);
    const good = entraConnector(fake, { ...base, certificate: { certificate: cert.certFile, privateKey: { file: cert.keyFile } } }, dir).connector;
    const r = await syncAndApply(good, t.applier, t.store, { mode: 'full' });
    assert.equal(r.run.kind, 'full');
    assert.deepEqual(fake.login.grants, [{ ok: true, auth: 'assertion' }]);
    assert.ok(roles(t, 'carol@contoso.com').includes('sre'));
    const bad = entraConnector(fake, { ...base, certificate: { certificate: other.certFile, privateKey: { file: other.keyFile } } }, dir).connector;
    await assert.rejects(syncAndApply(bad, t.applier, t.store, { mode: 'full' }), /Entra ID rejected the client certificate of app .* \(invalid_client\): AADSTS700027/);
  });

  it('a national cloud: authority and Graph endpoint from the preset, the links and token scope follow', async () => {
    await fake.close();
    fake = await startFakeEntra(contosoDirectory(), {}, {}, { authority: 'https://login.microsoftonline.us', graph: 'https://graph.microsoft.us' });
    const t = testApplier(rules);
    const { connector, network } = entraConnector(fake, entraOptions(dir, { ...CONTOSO_OPTIONS, cloud: 'usgov' }), dir);
    await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    assert.ok(network.calls.every((c) => new URL(c.url).origin === 'https://login.microsoftonline.us'));
    assert.match(decodeCursor(cursorOf(t))!.users, /^https:\/\/graph\.microsoft\.us\/v1\.0\/users\/delta\?/);
    fake.dir.addMember(G.sre, U.dave);
    assert.equal((await syncAndApply(connector, t.applier, t.store)).run.kind, 'delta');
    assert.ok(roles(t, 'dave@contoso.com').includes('sre'));
  });

  it('custom authority and Graph hosts: msal trusts the configured host and reads its OIDC metadata (through the networkClient)', async () => {
    await fake.close();
    const cloud = { authority: 'https://login.sovereign.example', graph: 'https://graph.sovereign.example' };
    fake = await startFakeEntra(contosoDirectory(), {}, {}, cloud);
    const t = testApplier(rules);
    const { connector, network } = entraConnector(fake, entraOptions(dir, { ...CONTOSO_OPTIONS, authorityHost: cloud.authority, graphEndpoint: cloud.graph }), dir);
    await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    assert.deepEqual(
      network.calls.map((c) => `${c.method} ${new URL(c.url).origin}${new URL(c.url).pathname}`),
      [`GET ${cloud.authority}/${fake.app.tenantId}/v2.0/.well-known/openid-configuration`, `POST ${cloud.authority}/${fake.app.tenantId}/oauth2/v2.0/token`],
    );
    assert.ok(roles(t, 'carol@contoso.com').includes('sre'));
  });

  it('a cursor whose links leave the Graph endpoint is not followed (the token stays home): full run', async () => {
    const { t, connector } = await setup();
    const c = decodeCursor(cursorOf(t))!;
    const evil = JSON.stringify({ ...c, users: c.users.replace('https://graph.microsoft.com', 'https://attacker.example') });
    const run = await connector.sync({ cursor: evil, mode: 'incremental', signal: new AbortController().signal, progress: () => undefined, now: Date.now });
    assert.equal(run.kind, 'full');
    const batches = [];
    for await (const b of run.batches) batches.push(b);
    assert.ok(flatten(batches).accounts.length > 0);
  });

  it('a dropped connection is retried at once; Graph unreachable fails the run after the retries, nothing applied', async () => {
    const t = testApplier(rules);
    let calls = 0;
    const flaky = entraConnector(fake, entraOptions(dir, CONTOSO_OPTIONS), dir, {
      wrapFetch: (f) => (url, init) => (++calls === 2 ? Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) })) : f(url, init)),
    }).connector;
    const r = await syncAndApply(flaky, t.applier, t.store, { mode: 'full' });
    assert.ok(r.result.version);
    assert.equal(r.progress.at(-1)!.waits, undefined, 'no wait for a stale connection');

    const down = entraConnector(fake, entraOptions(dir, { ...CONTOSO_OPTIONS, maxRetries: 2 }), dir, {
      wrapFetch: () => () => Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }) })),
    }).connector;
    fake.dir.addMember(G.sre, U.dave);
    const version = t.store.history.latestVersion()!.id;
    await assert.rejects(syncAndApply(down, t.applier, t.store), (err: unknown) => {
      assert.ok(err instanceof EntraSourceError);
      assert.equal(err.fault, 'unavailable');
      assert.match(err.message, /^Entra source "entra": no answer from Microsoft Graph \(fetch failed \(connect ECONNREFUSED 127\.0\.0\.1:443\)\) for \/v1\.0\/users\/delta; gave up after 3 attempts/);
      return true;
    });
    assert.equal(t.store.history.latestVersion()!.id, version);
  });

  it('a cancelled run stops while it waits and applies nothing', async () => {
    const { t, connector } = await setup();
    fake.graph.faults.push({ status: 429, retryAfter: 30 });
    const ac = new AbortController();
    const version = t.store.history.latestVersion()!.id;
    setTimeout(() => ac.abort(new Error('shutting down')), 100);
    const started = Date.now();
    await assert.rejects(syncAndApply(connector, t.applier, t.store, { signal: ac.signal }), /run cancelled/);
    assert.ok(Date.now() - started < 5000);
    assert.equal(t.store.history.latestVersion()!.id, version);
  });
});
