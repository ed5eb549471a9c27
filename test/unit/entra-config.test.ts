import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ZodError } from 'zod';
import { optionsFingerprint, parseEntraOptions } from '../../connectors/entra/config.js';
import { aadDetail } from '../../connectors/entra/credentials.js';
import { decodeCursor, encodeCursor } from '../../connectors/entra/cursor.js';
import { parseRetryAfter } from '../../connectors/entra/graph-client.js';
import { entraConnectorFactory } from '../../connectors/entra/index.js';

const base = { tenantId: 'contoso.onmicrosoft.com', clientId: '5a1f0c3e-8d2b-4e6a-9f70-1b2c3d4e5f60', clientSecret: { env: 'ROSTER_ENTRA_SECRET' } };
const issues = (raw: unknown): string[] => {
  try {
    parseEntraOptions(raw);
    return [];
  } catch (err) {
    assert.ok(err instanceof ZodError);
    return err.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  }
};

describe('entra options', () => {
  it('a minimal source: the global cloud and documented defaults', () => {
    const o = parseEntraOptions(base);
    assert.equal(o.authorityHost, 'https://login.microsoftonline.com');
    assert.equal(o.graphEndpoint, 'https://graph.microsoft.com');
    assert.equal(o.users.disabledStatus, 'suspended');
    assert.equal(o.users.softDeletedStatus, 'deprovisioned');
    assert.deepEqual(o.groups.types, ['security', 'microsoft365']);
    assert.equal(o.servicePrincipals.enabled, false);
    assert.equal(o.appRoles, undefined);
    assert.equal(o.requestTimeoutMs, 60_000);
    assert.equal(o.maxRetryWaitMs, 300_000);
    assert.equal(entraConnectorFactory.kind, 'poll');
  });

  it('national clouds set both endpoints; each can be overridden', () => {
    const gov = parseEntraOptions({ ...base, cloud: 'usgov' });
    assert.deepEqual([gov.authorityHost, gov.graphEndpoint], ['https://login.microsoftonline.us', 'https://graph.microsoft.us']);
    const dod = parseEntraOptions({ ...base, cloud: 'usgov-dod' });
    assert.equal(dod.graphEndpoint, 'https://dod-graph.microsoft.us');
    const cn = parseEntraOptions({ ...base, cloud: 'china' });
    assert.deepEqual([cn.authorityHost, cn.graphEndpoint], ['https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn']);
    const custom = parseEntraOptions({ ...base, authorityHost: 'https://Login.Example.com/', graphEndpoint: 'https://graph.example.com' });
    assert.deepEqual([custom.authorityHost, custom.graphEndpoint], ['https://login.example.com', 'https://graph.example.com']);
    assert.match(issues({ ...base, graphEndpoint: 'http://graph.example.com' }).join(), /graphEndpoint: expected an https origin/);
    assert.match(issues({ ...base, cloud: 'mars' }).join(), /cloud:/);
  });

  it('exactly one credential, secrets only by reference', () => {
    assert.match(issues({ tenantId: base.tenantId, clientId: base.clientId }).join(), /clientSecret: give exactly one credential/);
    assert.match(
      issues({ ...base, certificate: { certificate: 'c.pem', privateKey: { file: 'k.pem' } } }).join(),
      /clientSecret: give exactly one credential/,
    );
    assert.match(issues({ ...base, clientSecret: 'hunter2' }).join(), /clientSecret: expected a secret reference/);
    const cert = parseEntraOptions({ tenantId: base.tenantId, clientId: base.clientId, certificate: { certificate: 'c.pem', privateKey: { file: 'k.pem' } } });
    assert.equal(cert.certificate?.sendX5c, false);
    assert.match(issues({ ...base, clientId: 'roster' }).join(), /clientId: expected a GUID/);
    assert.match(issues({ ...base, tenantId: 'not a tenant' }).join(), /tenantId:/);
    assert.match(issues({ ...base, bogus: 1 }).join(), /Unrecognized key/);
  });

  it('appRoles names one enterprise application', () => {
    assert.match(issues({ ...base, appRoles: {} }).join(), /appRoles: give exactly one of servicePrincipalId or appId/);
    assert.equal(parseEntraOptions({ ...base, appRoles: { appId: base.clientId } }).appRoles?.includeDefaultAccess, false);
  });

  it('the fingerprint follows what shapes the data, not timeouts or credentials', () => {
    const a = optionsFingerprint(parseEntraOptions(base));
    assert.equal(optionsFingerprint(parseEntraOptions({ ...base, requestTimeout: '5s', clientSecret: { file: 'x' } })), a);
    assert.notEqual(optionsFingerprint(parseEntraOptions({ ...base, users: { attributes: ['department'] } })), a);
    assert.notEqual(optionsFingerprint(parseEntraOptions({ ...base, cloud: 'usgov' })), a);
    assert.notEqual(optionsFingerprint(parseEntraOptions({ ...base, groups: { types: ['security'] } })), a);
  });
});

describe('entra cursor, Retry-After, token errors', () => {
  it('the cursor round-trips; anything else is not understood', () => {
    const c = { v: 1 as const, fp: 'abc', users: 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=x', groups: 'https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=y', servicePrincipals: null, appRoleGroups: ['approle:1'] };
    assert.deepEqual(decodeCursor(encodeCursor(c)), c);
    assert.equal(decodeCursor('not json'), null);
    assert.equal(decodeCursor(JSON.stringify({ ...c, v: 2 })), null);
    assert.equal(decodeCursor(JSON.stringify({ ...c, users: '' })), null);
    assert.equal(decodeCursor(JSON.stringify({ ...c, appRoleGroups: [1] })), null);
    assert.equal(decodeCursor(null), null);
  });

  it('Retry-After: seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('7', 0), 7000);
    assert.equal(parseRetryAfter('0.5', 0), 500);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(parseRetryAfter(null, 0), null);
    assert.equal(parseRetryAfter('soon', 0), null);
  });

  it('msal server errors are cut to the AADSTS text and the trace id', () => {
    const msg =
      "Error(s): 7000215 - Timestamp: 2026-01-01 10:00:00Z - Description: AADSTS7000215: Invalid client secret provided. Trace ID: 0a1b Correlation ID: 2c3d Timestamp: 2026-01-01 10:00:00Z - Correlation ID: 2c3d - Trace ID: 0a1b";
    assert.equal(aadDetail(msg), 'AADSTS7000215: Invalid client secret provided. (trace ID 0a1b)');
    assert.equal(aadDetail('endpoints_resolution_error: unreachable'), 'endpoints_resolution_error: unreachable');
  });
});
