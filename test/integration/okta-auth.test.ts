/**
 * Authentication of the `okta` connector against the fake: an API token (SSWS), and an OAuth 2.0
 * service app with a private-key JWT (PEM or JWK) whose client assertion the fake verifies with
 * jose. Expired access tokens are renewed by the SDK mid-run; an invalid, revoked or expired
 * credential, a wrong key or a missing scope fail the run with a clear error naming the source,
 * and nothing is applied.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { JWK } from 'jose';
import { OktaSourceError } from '../../connectors/okta/index.js';
import { oktaConnector, secretsDir, syncAndApply } from '../fakes/okta/harness.js';
import { fakeOptions, OKTA_ROLES, rolesOf, smallOrg, SOURCE } from '../fakes/okta/scenario.js';
import { testApplier } from '../support/test-applier.js';

const dir = secretsDir();
const fakes: { stop(): Promise<void> }[] = [];
after(async () => {
  for (const f of fakes) await f.stop();
});

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
writeFileSync(join(dir, 'rsa-pkcs8.pem'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
writeFileSync(join(dir, 'rsa-pkcs1.pem'), rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
writeFileSync(join(dir, 'other.pem'), otherRsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
writeFileSync(join(dir, 'ec.jwk'), JSON.stringify({ ...(ec.privateKey.export({ format: 'jwk' }) as JsonWebKey), kid: 'ec-key-1' }), { mode: 0o600 });
writeFileSync(join(dir, 'rsa.jwk'), JSON.stringify({ ...(rsa.privateKey.export({ format: 'jwk' }) as JsonWebKey), kid: 'rsa-key-1' }), { mode: 0o600 });
const publicJwk = (k: typeof rsa.publicKey, extra: Record<string, string>): JWK => ({ ...(k.export({ format: 'jwk' }) as JWK), ...extra });

const privateKeyAuth = (file: string, extra: Record<string, unknown> = {}) => ({ auth: { type: 'privateKey', clientId: '0oaservice', privateKey: { file }, ...extra } });

async function orgWithApp(scopes = ['okta.users.read', 'okta.groups.read']) {
  const org = await smallOrg(8);
  fakes.push(org.fake);
  org.fake.auth.register({ clientId: '0oaservice', publicKey: publicJwk(rsa.publicKey, { alg: 'RS256' }), scopes });
  return org;
}

describe('okta connector: authentication', { timeout: 30_000 }, () => {
  it('OAuth service app, private key as PKCS#8 PEM: the SDK gets a token with the read scopes and reuses it', async () => {
    const org = await orgWithApp();
    const t = testApplier(OKTA_ROLES);
    const { connector, log } = oktaConnector(SOURCE, fakeOptions(org.fake, privateKeyAuth('rsa-pkcs8.pem')), dir);
    const { result } = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    assert.deepEqual(rolesOf(t, 'alice@example.com', result.version!.id), ['cardiologist', 'engineer']);
    assert.equal(org.fake.auth.issued, 1);
    const token = [...org.fake.auth.tokens.values()][0]!;
    assert.deepEqual([...token.scopes].sort(), ['okta.groups.read', 'okta.users.read']);
    await syncAndApply(connector, t.applier, t.store);
    assert.equal(org.fake.auth.issued, 1, 'the access token is reused across runs');
    assert.ok(!log.text().includes('PRIVATE KEY'));
  });

  it('OAuth with a PKCS#1 PEM and with an RSA JWK; an EC key is refused up front (the SDK signs RS256 only)', async () => {
    const org = await orgWithApp();
    for (const file of ['rsa-pkcs1.pem', 'rsa.jwk']) {
      const t = testApplier(OKTA_ROLES);
      const { result } = await syncAndApply(oktaConnector(SOURCE, fakeOptions(org.fake, privateKeyAuth(file)), dir).connector, t.applier, t.store, { mode: 'full' });
      assert.deepEqual(rolesOf(t, 'bob@example.com', result.version!.id), ['engineer', 'operator'], file);
    }
    const t = testApplier(OKTA_ROLES);
    const before = org.fake.requests.length;
    await assert.rejects(syncAndApply(oktaConnector(SOURCE, fakeOptions(org.fake, privateKeyAuth('ec.jwk')), dir).connector, t.applier, t.store, { mode: 'full' }), (e: unknown) => {
      assert.ok(e instanceof OktaSourceError);
      assert.equal(e.fault, 'config');
      assert.match(e.message, /cannot use the private key \(file ec\.jwk\): it is EC key; the Okta SDK signs with RS256, so the service app needs an RSA key/);
      return true;
    });
    assert.equal(org.fake.requests.length, before, 'no request made');
  });

  it('an access token that expires mid-run is renewed by the SDK and the run completes', async () => {
    const org = await orgWithApp();
    const t = testApplier(OKTA_ROLES);
    const { connector } = oktaConnector(SOURCE, fakeOptions(org.fake, privateKeyAuth('rsa-pkcs8.pem')), dir);
    const { result } = await syncAndApply(connector, t.applier, t.store, {
      mode: 'full',
      onBatch: (_b, n) => {
        if (n === 0) org.fake.auth.expireAll();
      },
    });
    const issued = org.fake.auth.issued;
    assert.ok(issued >= 2 && issued <= 5, `a new token fetched (${issued} in all)`);
    assert.ok(org.fake.count((r) => r.status === 401) >= 1, 'the expired token was refused');
    assert.deepEqual(rolesOf(t, 'carol@example.com', result.version!.id), ['operator']);
  });

  it('an invalid API token fails with a clear error naming the source; nothing is applied', async () => {
    const org = await smallOrg(3);
    fakes.push(org.fake);
    const badDir = secretsDir('00-revoked-token');
    const t = testApplier(OKTA_ROLES);
    const { connector, log } = oktaConnector(SOURCE, fakeOptions(org.fake), badDir);
    const err = await syncAndApply(connector, t.applier, t.store, { mode: 'full' }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof OktaSourceError);
    assert.equal(err.fault, 'credentials');
    assert.match(err.message, /^Okta source "okta": authentication failed: \/api\/v1\/(users|groups) answered 401 \(E0000011 Invalid token provided\); the API token is invalid, expired or revoked/);
    assert.ok(!err.message.includes('00-revoked-token') && !log.text().includes('00-revoked-token'), 'the token is never shown');
    assert.equal(t.store.history.latestVersion(), null);
    for (const path of ['/api/v1/users', '/api/v1/groups']) assert.ok(org.fake.count((r) => r.path === path && r.status === 401) <= 1, `no retry of a 401 on ${path}`);
  });

  it('a token revoked in the middle of a run fails the run without applying half of it', async () => {
    const org = await smallOrg(30);
    fakes.push(org.fake);
    const t = testApplier(OKTA_ROLES);
    const { connector } = oktaConnector(SOURCE, fakeOptions(org.fake), dir);
    await assert.rejects(
      syncAndApply(connector, t.applier, t.store, { mode: 'full', onBatch: (_b, n) => void (n === 1 && org.fake.apiTokens.clear()) }),
      (e: unknown) => e instanceof OktaSourceError && e.fault === 'credentials',
    );
    assert.equal(t.store.history.latestVersion(), null);
  });

  it('a key the app does not know, and a missing scope, are clear errors', async () => {
    const org = await orgWithApp(['okta.users.read']);
    const t = testApplier(OKTA_ROLES);
    const wrongKey = oktaConnector(SOURCE, fakeOptions(org.fake, privateKeyAuth('other.pem')), dir).connector;
    await assert.rejects(syncAndApply(wrongKey, t.applier, t.store, { mode: 'full' }), (e: unknown) => {
      assert.ok(e instanceof OktaSourceError);
      assert.match(e.message, /^Okta source "okta": authentication failed: \/oauth2\/v1\/token answered 401 \(invalid_client The client_assertion is invalid: .*\); the service app credentials were rejected/);
      return true;
    });
    // The app was granted users.read only: asking for groups.read too is refused at the token endpoint…
    const tooMuch = oktaConnector(SOURCE, fakeOptions(org.fake, privateKeyAuth('rsa-pkcs8.pem')), dir).connector;
    await assert.rejects(syncAndApply(tooMuch, t.applier, t.store, { mode: 'full' }), (e: unknown) => {
      assert.ok(e instanceof OktaSourceError);
      assert.equal(e.fault, 'permission');
      assert.match(e.message, /\/oauth2\/v1\/token answered 403 \(invalid_scope .*okta\.groups\.read\)/);
      return true;
    });
    // …and a token without groups.read is refused by the groups API.
    const noScope = oktaConnector(SOURCE, fakeOptions(org.fake, privateKeyAuth('rsa-pkcs8.pem', { scopes: ['okta.users.read'] })), dir).connector;
    await assert.rejects(syncAndApply(noScope, t.applier, t.store, { mode: 'full' }), (e: unknown) => {
      assert.ok(e instanceof OktaSourceError);
      assert.equal(e.fault, 'permission');
      assert.match(e.message, /\/api\/v1\/groups answered 403 \(E0000006 .*\); the service app lacks a granted scope \(okta.users.read, okta.groups.read/);
      return true;
    });
    assert.equal(t.store.history.latestVersion(), null);
  });

  it('a private key that cannot be read or parsed names the file, not its content', async () => {
    const org = await smallOrg(1);
    fakes.push(org.fake);
    writeFileSync(join(dir, 'garbage.pem'), 'not a key', { mode: 0o600 });
    const t = testApplier(OKTA_ROLES);
    const missing = oktaConnector(SOURCE, fakeOptions(org.fake, privateKeyAuth('missing.pem')), dir).connector;
    await assert.rejects(syncAndApply(missing, t.applier, t.store, { mode: 'full' }), /^OktaSourceError: Okta source "okta": secret file .*missing\.pem for source "okta" is unavailable: ENOENT/);
    const garbage = oktaConnector(SOURCE, fakeOptions(org.fake, privateKeyAuth('garbage.pem')), dir).connector;
    await assert.rejects(syncAndApply(garbage, t.applier, t.store, { mode: 'full' }), (e: unknown) => {
      assert.ok(e instanceof OktaSourceError);
      assert.equal(e.fault, 'config');
      assert.match(e.message, /cannot use the private key/);
      assert.ok(!e.message.includes('not a key'));
      return true;
    });
  });
});
