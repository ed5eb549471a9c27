import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecisionRequest } from '../../src/model/decision.js';
import { compilePolicy } from '../../src/policy/compile-policy.js';
import { decide } from '../../src/policy/decide.js';
import { policySchema } from '../../src/policy/policy-schema.js';
import { indexOf, stateOf } from '../support/policy-fixtures.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const fresh = new Map([
  ['ldap', { lastSuccessAt: NOW - 60_000, maxStalenessMs: 3_600_000 }],
  ['okta', { lastSuccessAt: NOW - 60_000, maxStalenessMs: 3_600_000 }],
]);
const ranks = { admin: 100, clinician: 50, marketing: 20, staff: 10, agent: 5 };

const state = stateOf([
  { id: 'p_0000000000000001', identifiers: [{ kind: 'email', value: 'alice@example.com' }, { kind: 'sub', value: 'https://idp.example.com|00u1' }], roles: { clinician: 'ldap', staff: 'ldap' } },
  { id: 'p_0000000000000002', identifiers: [{ kind: 'email', value: 'bob@example.com' }], roles: { marketing: 'okta', staff: 'ldap' } },
  { id: 'p_0000000000000003', identifiers: [{ kind: 'clientId', value: 'Svc-Agent' }], roles: { agent: 'config' } },
  { id: 'p_0000000000000004', identifiers: [{ kind: 'email', value: 'dave@example.com' }], roles: { clinician: 'ldap' }, status: 'suspended' },
  { id: 'p_0000000000000005', identifiers: [{ kind: 'uid', value: 'shared' }], roles: { staff: 'ldap' } },
  { id: 'p_0000000000000006', identifiers: [{ kind: 'login', value: 'shared' }], roles: { admin: 'ldap' } },
  { id: 'p_0000000000000007', identifiers: [{ kind: 'email', value: 'carol@example.com' }], roles: { admin: 'ldap', staff: 'ldap' } },
]);

const policy = {
  combining: 'union',
  routes: [
    { name: 'hipaa-chat', path: '/v1/chat/completions', methods: ['POST'], resource: { endpoint: 'azure-openai-hipaa' } },
    { name: 'any-chat', path: '/v1/chat/completions', methods: ['POST'] },
    { name: 'tickets', pathPrefix: '/tickets/' },
    { name: 'admin', pathGlob: '/admin/*/settings' },
    { name: 'reports', pathGlob: '/reports/**', failOpen: true },
  ],
  rules: [
    { name: 'clinicians-phi', effect: 'allow', roles: ['clinician'], routes: ['hipaa-chat'], actions: ['invoke'] },
    { name: 'staff-chat', effect: 'allow', roles: ['staff'], routes: ['any-chat'], when: { 'context.dataClasses': { notContains: 'PHI' } } },
    { name: 'marketing-no-phi', effect: 'deny', roles: ['marketing'], routes: ['any-chat'], when: { 'context.dataClasses': { contains: 'PHI' } } },
    { name: 'agent-tickets', effect: 'allow', roles: ['agent'], routes: ['tickets'], actions: ['read', 'write'] },
    { name: 'admins', effect: 'allow', roles: ['admin'], routes: ['admin', 'reports'] },
    { name: 'staff-reports', effect: 'allow', roles: ['staff'], routes: ['reports'], when: { 'resource.model': { in: ['gpt-4o', 'gpt-4o-mini'] } } },
  ],
};

const chat = (id: string, extra: Partial<DecisionRequest> = {}): DecisionRequest => ({
  subject: { id },
  route: '/v1/chat/completions',
  method: 'POST',
  action: 'invoke',
  resource: { endpoint: 'azure-openai-hipaa', model: 'gpt-4o' },
  context: { dataClasses: ['PHI'] },
  ...extra,
});

describe('route matching', () => {
  const m = compilePolicy(policySchema.parse(policy), 'h', new Set(Object.keys(ranks))).policy.matcher;
  const names = (path: string, method = 'GET', resource?: Record<string, string>) => m.match(path, method, resource).map((r) => r.name);

  it('matches exact paths with methods and resource attributes', () => {
    assert.deepEqual(names('/v1/chat/completions', 'POST', { endpoint: 'azure-openai-hipaa' }), ['hipaa-chat', 'any-chat']);
    assert.deepEqual(names('/v1/chat/completions', 'POST', { endpoint: 'openai' }), ['any-chat']);
    assert.deepEqual(names('/v1/chat/completions', 'GET'), []);
    assert.deepEqual(names('/v1/chat/completions/x', 'POST'), []);
  });

  it('matches prefixes and globs (* within a segment, ** across)', () => {
    assert.deepEqual(names('/tickets/42'), ['tickets']);
    assert.deepEqual(names('/tickets'), []);
    assert.deepEqual(names('/admin/eu/settings'), ['admin']);
    assert.deepEqual(names('/admin/eu/x/settings'), []);
    assert.deepEqual(names('/reports/2026/q1.csv'), ['reports']);
  });

  it('matches each route once when many prefixes share a length, and nests prefixes', () => {
    const routes = [
      ...Array.from({ length: 30 }, (_, j) => ({ name: `svc-${j}`, pathPrefix: `/api/svc-${String(j).padStart(2, '0')}/` })),
      { name: 'api', pathPrefix: '/api/' },
      { name: 'svc-07-items', pathPrefix: '/api/svc-07/items/' },
    ];
    const many = compilePolicy(policySchema.parse({ routes, rules: [] }), 'h', new Set()).policy.matcher;
    const matched = (path: string) => many.match(path, 'GET', undefined).map((r) => r.name);
    assert.deepEqual(matched('/api/svc-07/items/1'), ['api', 'svc-7', 'svc-07-items']);
    assert.deepEqual(matched('/api/svc-29/x'), ['api', 'svc-29']);
    assert.deepEqual(matched('/api/svc-30/x'), ['api']);
    assert.deepEqual(matched('/other'), []);
  });
});

describe('decide', () => {
  const index = indexOf(state, policy, ranks);
  const d = (req: DecisionRequest, f = fresh) => decide(index, req, NOW, f);

  it('allows a clinician to send PHI to the HIPAA endpoint, naming role, route and rule', () => {
    const r = d(chat('alice@example.com'));
    assert.equal(r.decision, 'allow');
    assert.equal(r.reason, 'allowed_by_role');
    assert.deepEqual(r.authorizedBy, { role: 'clinician', policy: 'hipaa-chat', rule: 'clinicians-phi' });
    assert.deepEqual(r.roles, ['clinician', 'staff']);
    assert.equal(r.roleStateVersion, 7);
    assert.equal(r.policyVersion, 'sha256:test');
    assert.equal(r.principal, 'p_0000000000000001');
  });

  it('denies marketing PHI by rule even though staff would allow chat; deny overrides', () => {
    const r = d(chat('bob@example.com'));
    assert.equal(r.decision, 'deny');
    assert.equal(r.reason, 'denied_by_rule');
    assert.equal(r.authorizedBy?.rule, 'marketing-no-phi');
    const ok = d(chat('bob@example.com', { context: { dataClasses: ['PII'] } }));
    assert.equal(ok.decision, 'allow');
    assert.equal(ok.authorizedBy?.rule, 'staff-chat');
  });

  it('denies by default: no matching route, wrong action, unmet condition', () => {
    assert.equal(d(chat('alice@example.com', { route: '/v2/other' })).reason, 'no_matching_rule');
    assert.equal(d(chat('alice@example.com', { action: 'fine-tune', context: { dataClasses: ['PHI'] } })).reason, 'no_matching_rule');
    assert.equal(d({ subject: { id: 'Svc-Agent' }, route: '/tickets/1', method: 'DELETE', action: 'delete' }).reason, 'no_matching_rule');
    assert.equal(d({ subject: { id: 'Svc-Agent' }, route: '/tickets/1', method: 'POST', action: 'write' }).decision, 'allow');
    assert.equal(d({ subject: { id: 'bob@example.com' }, route: '/reports/x', resource: { model: 'llama' } }).reason, 'no_matching_rule');
    assert.equal(d({ subject: { id: 'bob@example.com' }, route: '/reports/x', resource: { model: 'gpt-4o' } }).decision, 'allow');
  });

  it('binds subjects: case-insensitive email, issuer-qualified sub, exact client id, principal id', () => {
    assert.equal(d(chat('ALICE@Example.COM')).decision, 'allow');
    assert.equal(d(chat('00u1', { subject: { id: '00u1', issuer: 'https://idp.example.com' } })).principal, 'p_0000000000000001');
    assert.equal(d(chat('00u1', { subject: { id: '00u1', issuer: 'https://other.example.com' } })).reason, 'unknown_subject');
    assert.equal(d({ subject: { id: 'svc-agent' }, route: '/tickets/1', method: 'POST', action: 'write' }).reason, 'unknown_subject');
    assert.equal(d(chat('', { subject: { id: 'p_0000000000000001', kind: 'principal' } })).decision, 'allow');
    assert.equal(d(chat('p_0000000000000001')).reason, 'unknown_subject', 'a principal id binds only when asked for');
  });

  it('scopes binding: an issuer binds only through its sub, a kind only through that kind', () => {
    // alice's email presented as an OIDC sub of some issuer must not bind to alice.
    assert.equal(d(chat('', { subject: { id: 'alice@example.com', issuer: 'https://idp.example.com' } })).reason, 'unknown_subject');
    assert.equal(d(chat('', { subject: { id: 'ALICE@example.com', kind: 'email' } })).decision, 'allow');
    assert.equal(d(chat('', { subject: { id: 'alice@example.com', kind: 'upn' } })).reason, 'unknown_subject');
    // "shared" is uid of one principal and login of another: ambiguous unless the kind says which.
    assert.equal(d(chat('', { subject: { id: 'shared', kind: 'uid' } })).principal, 'p_0000000000000005');
  });

  it('denies non-canonical paths whatever the rules say', () => {
    for (const route of ['/tickets/../admin/eu/settings', '/tickets/%2e%2e/x', '/tickets//x', '/tickets/./x', '/tickets/x%2Fy', 'tickets/x']) {
      const r = d({ subject: { id: 'Svc-Agent' }, route, method: 'POST', action: 'write' });
      assert.equal(r.decision, 'deny', route);
      assert.equal(r.reason, 'invalid_request', route);
    }
    assert.equal(d({ subject: { id: 'Svc-Agent' }, route: '/tickets/x/', method: 'POST', action: 'write' }).decision, 'allow');
  });

  it('denies unknown, ambiguous and inactive subjects with their reasons', () => {
    assert.equal(d(chat('mallory@example.com')).reason, 'unknown_subject');
    const amb = d(chat('shared'));
    assert.equal(amb.reason, 'ambiguous_subject');
    assert.equal(amb.decision, 'deny');
    const inactive = d(chat('dave@example.com'));
    assert.equal(inactive.reason, 'inactive_subject');
    assert.equal(inactive.decision, 'deny');
  });

  it('fails closed when a source behind the subject roles is stale, unless the route is fail-open', () => {
    const stale = new Map([...fresh, ['ldap', { lastSuccessAt: NOW - 7_200_000, maxStalenessMs: 3_600_000 }]]);
    const r = d(chat('alice@example.com'), stale);
    assert.equal(r.reason, 'stale_snapshot');
    assert.equal(r.decision, 'deny');
    assert.equal(r.staleness_s, 7200);
    const never = new Map([['okta', fresh.get('okta')!]]);
    assert.equal(d(chat('alice@example.com'), never).reason, 'stale_snapshot', 'a source that never synced is stale');
    assert.equal(d({ subject: { id: 'carol@example.com' }, route: '/reports/q', method: 'GET' }, stale).decision, 'allow', 'fail-open route');
    assert.equal(d({ subject: { id: 'Svc-Agent' }, route: '/tickets/1', method: 'GET', action: 'read' }, stale).decision, 'allow', 'static grants never go stale');
  });

  it('highest-privilege: only the highest-ranked role with a rule for the route counts', () => {
    const hp = indexOf(state, { ...policy, combining: 'highest-privilege', rules: [
      { name: 'staff-reports-all', effect: 'allow', roles: ['staff'], routes: ['reports'] },
      { name: 'admins-reports-eu-only', effect: 'allow', roles: ['admin'], routes: ['reports'], when: { 'context.region': { equals: 'eu' } } },
    ] }, ranks);
    const carol = { subject: { id: 'carol@example.com' }, route: '/reports/x', method: 'GET' };
    // carol is admin and staff: admin is higher and has a rule for the route, so staff's allow does not count.
    assert.equal(decide(hp, carol, NOW, fresh).reason, 'no_matching_rule');
    assert.equal(decide(hp, { ...carol, context: { region: 'eu' } }, NOW, fresh).authorizedBy?.role, 'admin');
    // In union mode staff's rule allows.
    const un = indexOf(state, { ...policy, rules: [{ name: 'staff-reports-all', effect: 'allow', roles: ['staff'], routes: ['reports'] }] }, ranks);
    assert.equal(decide(un, carol, NOW, fresh).authorizedBy?.role, 'staff');
  });

  it('conditions: equals, in, exists, containsAny', () => {
    const c = indexOf(state, { routes: [{ name: 'r', path: '/r' }], rules: [
      { name: 'eq', effect: 'allow', roles: ['staff'], routes: ['r'], when: { 'context.tier': { equals: 2 }, 'context.scopes': { containsAny: ['tickets:write', 'admin'] }, 'context.ticket': { exists: true }, method: { in: ['GET', 'POST'] } } },
    ] }, ranks);
    const base = { subject: { id: 'bob@example.com' }, route: '/r', method: 'POST' };
    assert.equal(decide(c, { ...base, context: { tier: 2, scopes: ['tickets:write'], ticket: 'T1' } }, NOW, fresh).decision, 'allow');
    assert.equal(decide(c, { ...base, context: { tier: '2', scopes: ['tickets:write'], ticket: 'T1' } }, NOW, fresh).decision, 'deny');
    assert.equal(decide(c, { ...base, context: { tier: 2, scopes: ['tickets:read'], ticket: 'T1' } }, NOW, fresh).decision, 'deny');
    assert.equal(decide(c, { ...base, context: { tier: 2, scopes: 'admin' } }, NOW, fresh).decision, 'deny');
    assert.equal(decide(c, { ...base, method: 'PUT', context: { tier: 2, scopes: 'admin', ticket: 'x' } }, NOW, fresh).decision, 'deny');
  });
});

describe('policy compilation', () => {
  it('reports rules naming unknown routes or roles and duplicate names', () => {
    const doc = policySchema.parse({ routes: [{ name: 'a', path: '/a' }, { name: 'a', path: '/b' }], rules: [{ name: 'x', effect: 'allow', roles: ['ghost'], routes: ['nowhere'] }, { name: 'x', effect: 'deny', roles: ['staff'], routes: ['a'] }] });
    const { problems } = compilePolicy(doc, 'h', new Set(['staff']));
    assert.deepEqual(problems.map((p) => p.path).sort(), ['routes[1].name', 'rules[0].roles[0]', 'rules[0].routes[0]', 'rules[1].name']);
  });

  it('rejects a route with two path kinds and an unknown operator', () => {
    assert.equal(policySchema.safeParse({ routes: [{ name: 'a', path: '/a', pathPrefix: '/a' }] }).success, false);
    assert.equal(policySchema.safeParse({ rules: [{ name: 'r', effect: 'allow', roles: ['x'], routes: ['a'], when: { 'context.x': { regex: '.*' } } }] }).success, false);
  });
});
