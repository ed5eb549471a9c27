/**
 * The `ldap` connector over TLS against a real OpenLDAP: ldaps:// and StartTLS with a CA made at
 * test time (openssl), a client certificate, and a server certificate the source does not trust.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LdapSourceError } from '../../connectors/ldap/index.js';
import { startSlapd, slapdSkipReason, type RunningSlapd } from '../support/slapd.js';
import { GROUPS, PEOPLE, SERVICE_DN, SERVICE_PASSWORD, SUFFIX, TEST_ROLES, testDirectoryLdif } from '../support/slapd-data.js';
import { makeTestCa, type TestCa } from '../support/slapd-tls.js';
import { ldapConnector, syncAndApply } from '../support/slapd-sync.js';
import { testApplier } from '../support/test-applier.js';

describe('ldap connector over TLS against OpenLDAP', { skip: slapdSkipReason(), timeout: 120_000 }, () => {
  let dir: string;
  let slapd: RunningSlapd;
  let ca: TestCa;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roster-slapd-tls-'));
    ca = makeTestCa(join(dir, 'ca'));
    makeTestCa(join(dir, 'other-ca'), 'Some Other CA');
    writeFileSync(join(dir, 'bind.pw'), SERVICE_PASSWORD, { mode: 0o600 });
    slapd = await startSlapd({ dir, suffix: SUFFIX, rootPassword: 'root-secret', data: testDirectoryLdif(20), tls: ca });
  });
  after(async () => {
    await slapd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (extra: Record<string, unknown>) => ({
    preset: 'openldap',
    bindDN: SERVICE_DN,
    bindPassword: { file: 'bind.pw' },
    baseDN: SUFFIX,
    users: { baseDN: PEOPLE },
    groups: { baseDN: GROUPS },
    connectTimeout: '2s',
    ...extra,
  });

  const syncs = async (opts: Record<string, unknown>): Promise<number> => {
    const t = testApplier({ linking: [], roles: TEST_ROLES });
    const { connector } = ldapConnector('corp', opts, dir);
    const r = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    await connector.close?.();
    return r.result.version?.counts.accounts ?? 0;
  };

  it('syncs over ldaps:// with the CA file', async () => {
    assert.equal(await syncs(options({ url: slapd.ldapsUrl, tls: { ca: 'ca/ca.pem' } })), 27);
  });

  it('syncs over StartTLS on ldap://, with a client certificate', async () => {
    assert.equal(await syncs(options({ url: slapd.url, tls: { startTLS: true, ca: 'ca/ca.pem', cert: 'ca/client.pem', key: { file: 'ca/client.key' } } })), 27);
  });

  it('refuses a server certificate from a CA it does not trust (ldaps and StartTLS), and fails over past it', async () => {
    for (const extra of [{ url: slapd.ldapsUrl, tls: { ca: 'other-ca/ca.pem' } }, { url: slapd.url, tls: { startTLS: true, ca: 'other-ca/ca.pem' } }]) {
      await assert.rejects(syncs(options(extra)), (e: unknown) => {
        assert.ok(e instanceof LdapSourceError);
        assert.equal(e.fault, 'unreachable');
        assert.match(e.message, /no LDAP server reachable .*(certificate|self.signed|unable to verify)/i);
        return true;
      });
    }
    // The first URL fails the handshake (a plain LDAP port), the second one is trusted.
    assert.equal(await syncs(options({ urls: [`ldaps://127.0.0.1:${slapd.port}`, slapd.ldapsUrl], tls: { ca: 'ca/ca.pem' } })), 27);
  });
});
