import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ZodError } from 'zod';
import { nextLink } from '../../connectors/okta/client.js';
import { parseOktaOptions } from '../../connectors/okta/config.js';
import { decodeCursor, encodeCursor, shapeOf } from '../../connectors/okta/cursor.js';
import { groupsChangedFilter, usersChangedFilter, usersFullFilter } from '../../connectors/okta/filters.js';
import { mapGroup, UserMapper, type OktaUser } from '../../connectors/okta/map-user.js';
import { logChanges, type LogEvent } from '../../connectors/okta/system-log.js';
import { parseFilter } from '../fakes/okta/filter.js';

const base = { orgUrl: 'https://example.okta.com', auth: { type: 'apiToken', token: { file: 'okta.token' } } };

describe('okta options', () => {
  it('applies defaults: every status, OKTA_GROUP + APP_GROUP, the largest pages, a small concurrency', () => {
    const o = parseOktaOptions(base);
    assert.equal(o.orgUrl, 'https://example.okta.com');
    assert.deepEqual(o.groupTypes, ['OKTA_GROUP', 'APP_GROUP']);
    assert.deepEqual(o.pageSize, { users: 200, groups: 10_000, groupMembers: 1_000, logs: 1_000 });
    assert.equal(o.concurrency, 4);
    assert.equal(o.statusMap.LOCKED_OUT, 'active');
    assert.equal(o.statusMap.STAGED, 'suspended');
    assert.equal(o.statusMap.DEPROVISIONED, 'deprovisioned');
    assert.equal(o.overlapMs, 120_000);
    assert.equal(o.systemLog, false);
  });

  it('drops a trailing slash from the org URL and refuses paths, http off loopback and inline secrets', () => {
    assert.equal(parseOktaOptions({ ...base, orgUrl: 'https://example.okta.com/' }).orgUrl, 'https://example.okta.com');
    assert.equal(parseOktaOptions({ ...base, orgUrl: 'http://127.0.0.1:8080/' }).orgUrl, 'http://127.0.0.1:8080');
    assert.throws(() => parseOktaOptions({ ...base, orgUrl: 'https://example.okta.com/api/v1' }), ZodError);
    assert.throws(() => parseOktaOptions({ ...base, orgUrl: 'http://example.okta.com' }), /https/);
    assert.throws(() => parseOktaOptions({ ...base, auth: { type: 'apiToken', token: '00abc' } }), /secret reference/);
    assert.throws(() => parseOktaOptions({ ...base, rateLimit: { concurrency: 200 } }), ZodError);
    assert.throws(() => parseOktaOptions({ ...base, pageSize: { users: 500 } }), ZodError, 'Okta serves at most 200 users a page');
    assert.throws(() => parseOktaOptions({ ...base, incremental: { memberships: 'system-log' } }), /systemLog/);
  });

  it('takes a private-key service app with the read scopes (and okta.logs.read with the System Log)', () => {
    const o = parseOktaOptions({ ...base, auth: { type: 'privateKey', clientId: '0oa1', privateKey: { env: 'OKTA_KEY' } }, incremental: { systemLog: true } });
    assert.deepEqual(o.auth, { type: 'privateKey', clientId: '0oa1', privateKey: { env: 'OKTA_KEY' }, keyId: null, scopes: ['okta.users.read', 'okta.groups.read', 'okta.logs.read'] });
    assert.equal(parseOktaOptions({ ...base, incremental: { overlap: '30s' } }).overlapMs, 30_000);
    assert.equal(parseOktaOptions({ ...base, incremental: { overlap: 45 } }).overlapMs, 45_000, 'a number is seconds');
  });
});

describe('okta users and groups to accounts', () => {
  const user = (extra: Partial<OktaUser> = {}): OktaUser => ({
    id: '00u1',
    status: 'ACTIVE',
    profile: { login: 'alice@example.com', email: 'alice@corp.example', firstName: 'Alice', lastName: 'Archer', department: 'Cardiology', costCenter: 42, customRoles: ['a', 'b'], title: '' },
    credentials: { emails: [{ value: 'alice@corp.example', status: 'VERIFIED' }] },
    ...extra,
  });

  it('stable id = Okta id; identifiers login, email, oktaId; email verified as Okta says', () => {
    const a = new UserMapper(parseOktaOptions(base)).account(user())!;
    assert.equal(a.externalId, '00u1');
    assert.equal(a.status, 'active');
    assert.equal(a.displayName, 'Alice Archer');
    assert.deepEqual(
      a.identifiers.map((i) => `${i.kind}=${i.value}${i.verified ? ' ✓' : ''}`),
      ['oktaId=00u1 ✓', 'login=alice@example.com ✓', 'email=alice@example.com', 'email=alice@corp.example ✓'],
    );
    assert.deepEqual(a.attributes, { oktaStatus: 'ACTIVE', department: 'Cardiology', costCenter: '42' });
  });

  it('a login that is not an email is a login only; emailVerified always/never override Okta', () => {
    const plain = new UserMapper(parseOktaOptions(base)).account(user({ profile: { login: 'alice', email: 'alice@corp.example' } }))!;
    assert.deepEqual(plain.identifiers.map((i) => i.kind), ['oktaId', 'login', 'email']);
    const never = new UserMapper(parseOktaOptions({ ...base, users: { emailVerified: 'never' } })).account(user())!;
    assert.ok(never.identifiers.filter((i) => i.kind === 'email').every((i) => !i.verified));
    const always = new UserMapper(parseOktaOptions({ ...base, users: { emailVerified: 'always', attributes: ['customRoles'] } })).account(user())!;
    assert.ok(always.identifiers.filter((i) => i.kind === 'email').every((i) => i.verified));
    assert.deepEqual(always.attributes, { oktaStatus: 'ACTIVE', customRoles: ['a', 'b'] });
  });

  it('maps every Okta status, configurably, and leaves out skipped and unknown ones', () => {
    const m = new UserMapper(parseOktaOptions({ ...base, users: { statuses: { STAGED: 'skip', LOCKED_OUT: 'suspended' } } }));
    const status = (s: string) => m.account(user({ status: s }))?.status ?? null;
    assert.deepEqual(
      ['ACTIVE', 'PROVISIONED', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'STAGED', 'SUSPENDED', 'DEPROVISIONED', 'SOMETHING_NEW'].map(status),
      ['active', 'active', 'active', 'active', 'suspended', null, 'suspended', 'deprovisioned', null],
    );
  });

  it('groups keep their Okta id and profile name', () => {
    assert.deepEqual(mapGroup({ id: '00g1', type: 'OKTA_GROUP', profile: { name: 'Engineering' } }), { externalId: '00g1', name: 'Engineering' });
    assert.deepEqual(mapGroup({ id: '00g2' }), { externalId: '00g2', name: '00g2' });
  });
});

describe('okta reads', () => {
  it('builds filters Okta understands (checked with the fake’s parser, which follows Okta’s grammar)', () => {
    const o = parseOktaOptions({ ...base, users: { statuses: { DEPROVISIONED: 'skip' } } });
    const full = parseFilter(usersFullFilter(o), ['status']);
    assert.equal(full({ status: 'LOCKED_OUT' }), true);
    assert.equal(full({ status: 'DEPROVISIONED' }), false);
    const changed = parseFilter(usersChangedFilter('2026-01-01T00:00:00.000Z'), ['status', 'lastUpdated']);
    assert.equal(changed({ status: 'DEPROVISIONED', lastUpdated: '2026-01-01T00:00:00.001Z' }), true, 'a change of any status is read');
    assert.equal(changed({ status: 'ACTIVE', lastUpdated: '2026-01-01T00:00:00.000Z' }), false, 'gt, not ge');
    const groups = parseFilter(groupsChangedFilter(o, '2026-01-01T00:00:00.000Z', true), ['type', 'lastUpdated', 'lastMembershipUpdated']);
    assert.equal(groups({ type: 'APP_GROUP', lastUpdated: '2025-01-01T00:00:00.000Z', lastMembershipUpdated: '2026-02-01T00:00:00.000Z' }), true);
    assert.equal(groups({ type: 'BUILT_IN', lastUpdated: '2026-02-01T00:00:00.000Z', lastMembershipUpdated: '2026-02-01T00:00:00.000Z' }), false);
  });

  it('follows absolute next links, resolves relative ones, refuses links to another origin', () => {
    const org = 'https://example.okta.com';
    const h = `<${org}/api/v1/users?limit=200>; rel="self", <${org}/api/v1/users?after=00u9&limit=200>; rel="next"`;
    assert.equal(nextLink(h, org), `${org}/api/v1/users?after=00u9&limit=200`);
    assert.equal(nextLink(`<${org}/api/v1/users>; rel="self"`, org), null);
    assert.equal(nextLink('</api/v1/logs?after=x>; rel="next"', org), `${org}/api/v1/logs?after=x`);
    assert.throws(() => nextLink('<https://evil.example/api/v1/users>; rel="next"', org), /outside the org/);
  });

  it('cursors round-trip and are refused when malformed', () => {
    const o = parseOktaOptions(base);
    const c = { v: 1 as const, org: o.orgUrl, shape: shapeOf(o), since: '2026-01-01T00:00:00.000Z', logs: '/api/v1/logs?after=s9' };
    assert.deepEqual(decodeCursor(encodeCursor(c)), c);
    assert.equal(decodeCursor('{"v":2}'), null);
    assert.equal(decodeCursor('not json'), null);
    assert.equal(decodeCursor(JSON.stringify({ ...c, logs: 'https://evil.example/' })), null);
    assert.notEqual(shapeOf(parseOktaOptions({ ...base, groups: { types: ['OKTA_GROUP'] } })), shapeOf(o));
  });

  it('turns System Log events into one order-independent batch', () => {
    const ev = (eventType: string, user: string | null, group: string | null, result = 'SUCCESS'): LogEvent => ({
      eventType,
      outcome: { result },
      target: [...(user ? [{ id: user, type: 'User' }] : []), ...(group ? [{ id: group, type: 'UserGroup' }] : [])],
    });
    const events = [
      ev('group.user_membership.add', 'u1', 'g1'),
      ev('group.user_membership.remove', 'u1', 'g1'),
      ev('group.user_membership.add', 'u2', 'g1'),
      ev('group.user_membership.remove', 'u3', 'g1'),
      ev('group.user_membership.add', 'u3', 'g1'),
      ev('group.user_membership.add', 'u4', 'g2'),
      ev('user.lifecycle.delete.completed', 'u4', null),
      ev('group.user_membership.add', 'u5', 'g9'),
      ev('group.lifecycle.delete', null, 'g3'),
      ev('group.user_membership.add', 'u6', 'g1', 'FAILURE'),
    ];
    const b = logChanges(events, { memberships: true, groupIds: new Set(['g1', 'g2', 'g3']) });
    assert.deepEqual(b.removedAccounts, ['u4']);
    assert.deepEqual(b.removedGroups, ['g3']);
    assert.deepEqual(b.memberships?.map((m) => `${m.groupId}/${m.memberId}`), ['g1/u2', 'g1/u3'], 'last event wins; deleted users and unselected groups dropped');
    assert.deepEqual(b.removedMemberships?.map((m) => `${m.groupId}/${m.memberId}`), ['g1/u1']);
    const deletionsOnly = logChanges(events, { memberships: false, groupIds: null });
    assert.equal(deletionsOnly.memberships, undefined);
    assert.deepEqual(deletionsOnly.removedAccounts, ['u4']);
  });
});
