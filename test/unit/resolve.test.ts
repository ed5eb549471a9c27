import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceCache } from '../../src/apply/source-cache.js';
import { canonicalJson } from '../../src/apply/canonical-json.js';
import type { Account } from '../../src/model/account.js';
import type { Group } from '../../src/model/group.js';
import type { Membership } from '../../src/model/membership.js';
import { accountKey } from '../../src/resolve/account-key.js';
import { resolveState } from '../../src/resolve/resolve-state.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { accountMemberKey, groupMemberKey } from '../../src/resolve/source-state.js';
import { group, inGroup, nested, user } from '../support/builders.js';

function source(accounts: Account[], groups: Group[], memberships: Membership[]): SourceCache {
  const s = new SourceCache();
  for (const a of accounts) s.setAccount(a.externalId, a);
  for (const g of groups) s.setGroup(g.externalId, g);
  for (const m of memberships) s.setMember(m.groupId, m.memberType === 'account' ? accountMemberKey(m.memberId) : groupMemberKey(m.memberId), true);
  return s;
}

const rolesOf = (r: ReturnType<typeof resolveState>, src: string, id: string): Record<string, unknown> => {
  const pid = r.principalOfAccount.get(accountKey(src, id));
  assert.ok(pid, `no principal for ${src}:${id}`);
  return Object.fromEntries(r.grants.get(pid) ?? []);
};

describe('nested-group closure', () => {
  const rules: ResolveRules = { linking: [], roles: [{ name: 'eng', rank: 1, grantedBy: [{ group: { source: 'ldap', name: 'engineering' } }] }] };

  it('grants through three levels and records the shortest chain', () => {
    const ldap = source(
      [user('u1'), user('u2')],
      [group('g-eng', 'engineering'), group('g-be', 'backend'), group('g-db', 'dba')],
      [nested('g-eng', 'g-be'), nested('g-be', 'g-db'), inGroup('g-db', 'u1'), inGroup('g-eng', 'u2')],
    );
    const r = resolveState(new Map([['ldap', ldap]]), rules, new Map());
    assert.deepEqual(rolesOf(r, 'ldap', 'u1'), { eng: { via: 'group', source: 'ldap', groups: ['dba', 'backend', 'engineering'] } });
    assert.deepEqual(rolesOf(r, 'ldap', 'u2'), { eng: { via: 'group', source: 'ldap', groups: ['engineering'] } });
  });

  it('survives a cycle and still grants every group on it', () => {
    const ldap = source(
      [user('u1'), user('u2')],
      [group('a', 'engineering'), group('b', 'b'), group('c', 'c')],
      [nested('a', 'b'), nested('b', 'c'), nested('c', 'a'), inGroup('c', 'u1'), inGroup('b', 'u2')],
    );
    const r = resolveState(new Map([['ldap', ldap]]), rules, new Map());
    assert.deepEqual(rolesOf(r, 'ldap', 'u1'), { eng: { via: 'group', source: 'ldap', groups: ['c', 'b', 'engineering'] } });
    assert.deepEqual(rolesOf(r, 'ldap', 'u2'), { eng: { via: 'group', source: 'ldap', groups: ['b', 'engineering'] } });
  });

  it('a group that is its own member resolves without looping', () => {
    const ldap = source([user('u1')], [group('a', 'engineering')], [nested('a', 'a'), inGroup('a', 'u1')]);
    const r = resolveState(new Map([['ldap', ldap]]), rules, new Map());
    assert.deepEqual(rolesOf(r, 'ldap', 'u1'), { eng: { via: 'group', source: 'ldap', groups: ['engineering'] } });
  });

  it('picks the same path whatever order the directory listed members in', () => {
    const mk = (order: Membership[]) => source([user('u1')], [group('r', 'engineering'), group('x', 'x'), group('y', 'y')], order);
    const ms = [nested('r', 'y'), nested('r', 'x'), inGroup('y', 'u1'), inGroup('x', 'u1')];
    const a = resolveState(new Map([['ldap', mk(ms)]]), rules, new Map());
    const b = resolveState(new Map([['ldap', mk([...ms].reverse())]]), rules, new Map());
    assert.deepEqual(rolesOf(a, 'ldap', 'u1'), rolesOf(b, 'ldap', 'u1'));
    assert.deepEqual(rolesOf(a, 'ldap', 'u1'), { eng: { via: 'group', source: 'ldap', groups: ['x', 'engineering'] } });
  });

  it('ignores members that the source does not (yet) contain', () => {
    const ldap = source([user('u1')], [group('a', 'engineering')], [inGroup('a', 'ghost'), nested('a', 'nogroup'), inGroup('a', 'u1')]);
    const r = resolveState(new Map([['ldap', ldap]]), rules, new Map());
    assert.equal(r.principals.size, 1);
    assert.ok(rolesOf(r, 'ldap', 'u1')['eng']);
  });

  it('selects groups by DN (normalized) and by id', () => {
    const ldap = source([user('u1')], [{ externalId: 'guid-1', name: 'Eng', dn: 'CN=Eng, OU=Groups, DC=corp' }], [inGroup('guid-1', 'u1')]);
    for (const selector of [{ source: 'ldap', dn: 'cn=eng,ou=groups,dc=corp' }, { source: 'ldap', id: 'guid-1' }]) {
      const r = resolveState(new Map([['ldap', ldap]]), { linking: [], roles: [{ name: 'eng', rank: 1, grantedBy: [{ group: selector }] }] }, new Map());
      assert.ok(rolesOf(r, 'ldap', 'u1')['eng'], JSON.stringify(selector));
    }
  });
});

describe('identity linking', () => {
  const rules: ResolveRules = { linking: [{ by: 'email', requireVerified: true }], roles: [] };

  it('merges accounts of two sources that share a verified email', () => {
    const a = source([user('alice')], [], []);
    const b = source([user('00u1', { identifiers: [{ kind: 'email', value: 'ALICE@example.com', verified: true }, { kind: 'oktaId', value: '00u1' }] })], [], []);
    const r = resolveState(new Map([['ldap', a], ['okta', b]]), rules, new Map());
    assert.equal(r.principals.size, 1);
    assert.equal(r.principalOfAccount.get(accountKey('ldap', 'alice')), r.principalOfAccount.get(accountKey('okta', '00u1')));
    const p = [...r.principals.values()][0]!;
    assert.deepEqual(p.accounts.map((x) => x.source), ['ldap', 'okta']);
  });

  it('does not link on an unverified identifier when verification is required', () => {
    const a = source([user('alice')], [], []);
    const b = source([user('x', { identifiers: [{ kind: 'email', value: 'alice@example.com' }] })], [], []);
    const r = resolveState(new Map([['ldap', a], ['okta', b]]), rules, new Map());
    assert.equal(r.principals.size, 2);
    assert.ok(r.conflicts.some((c) => c.kind === 'ambiguous-alias' && c.identifier === 'email:alice@example.com'));
  });

  it('reports an identifier claimed twice in one source and does not merge on it', () => {
    const ldap = source([user('a1', { identifiers: [{ kind: 'email', value: 'x@example.com', verified: true }] }), user('a2', { identifiers: [{ kind: 'email', value: 'x@example.com', verified: true }] })], [], []);
    const okta = source([user('o1', { identifiers: [{ kind: 'email', value: 'x@example.com', verified: true }] })], [], []);
    const r = resolveState(new Map([['ldap', ldap], ['okta', okta]]), rules, new Map());
    assert.equal(r.principals.size, 3);
    assert.ok(r.conflicts.some((c) => c.kind === 'duplicate-identifier-in-source'));
  });

  it('refuses a chain of links that would merge two accounts of one source', () => {
    const twoRules: ResolveRules = { linking: [{ by: 'email' }, { by: 'employeeId' }], roles: [] };
    const ldap = source([
      user('a1', { identifiers: [{ kind: 'email', value: 'x@example.com' }] }),
      user('a2', { identifiers: [{ kind: 'employeeId', value: 'E7' }] }),
    ], [], []);
    const hr = source([user('h1', { identifiers: [{ kind: 'email', value: 'x@example.com' }, { kind: 'employeeId', value: 'E7' }] })], [], []);
    const r = resolveState(new Map([['ldap', ldap], ['hr', hr]]), twoRules, new Map());
    assert.equal(r.principals.size, 2);
    assert.ok(r.conflicts.some((c) => c.kind === 'link-would-merge-same-source'));
  });

  it('keeps principal ids stable across runs and takes the most restrictive status', () => {
    const a = source([user('alice', { status: 'active' })], [], []);
    const b = source([user('o1', { status: 'suspended', identifiers: [{ kind: 'email', value: 'alice@example.com', verified: true }] })], [], []);
    const first = resolveState(new Map([['ldap', a]]), rules, new Map());
    const pid = first.principalOfAccount.get(accountKey('ldap', 'alice'))!;
    const second = resolveState(new Map([['ldap', a], ['okta', b]]), rules, first.principalOfAccount);
    assert.equal(second.principalOfAccount.get(accountKey('okta', 'o1')), pid);
    assert.equal(second.principals.get(pid)!.status, 'suspended');
  });
});

describe('attribute and static role sources', () => {
  it('grants by attribute condition, scoped to a source', () => {
    const rules: ResolveRules = {
      linking: [],
      roles: [
        { name: 'marketing', rank: 1, grantedBy: [{ attribute: { source: 'hr', name: 'Department', equals: 'Marketing' } }] },
        { name: 'emea', rank: 1, grantedBy: [{ attribute: { name: 'region', in: ['EMEA', 'APAC'] } }] },
      ],
    };
    const hr = source([user('m', { attributes: { department: 'Marketing', region: ['EMEA'] } }), user('s', { attributes: { department: 'Sales' } })], [], []);
    const ldap = source([user('l', { attributes: { department: 'Marketing' } })], [], []);
    const r = resolveState(new Map([['hr', hr], ['ldap', ldap]]), rules, new Map());
    assert.deepEqual(rolesOf(r, 'hr', 'm'), {
      marketing: { via: 'attribute', source: 'hr', condition: 'Department=Marketing' },
      emea: { via: 'attribute', source: 'hr', condition: 'region in [EMEA, APAC]' },
    });
    assert.deepEqual(rolesOf(r, 'hr', 's'), {});
    assert.deepEqual(rolesOf(r, 'ldap', 'l'), {});
  });

  it('grants statically by identifier, with or without a kind prefix', () => {
    const rules: ResolveRules = { linking: [], roles: [{ name: 'ops', rank: 1, grantedBy: [{ principals: ['ALICE@example.com', 'clientId:svc-1'] }] }] };
    const s = source([user('alice'), user('svc', { kind: 'service', identifiers: [{ kind: 'clientId', value: 'svc-1' }] }), user('bob')], [], []);
    const r = resolveState(new Map([['static', s]]), rules, new Map());
    assert.equal((rolesOf(r, 'static', 'alice')['ops'] as { via: string }).via, 'static');
    assert.ok(rolesOf(r, 'static', 'svc')['ops']);
    assert.deepEqual(rolesOf(r, 'static', 'bob'), {});
  });

  it('grants roles directly from role:<name> groups of direct-role sources only', () => {
    const rules: ResolveRules = { linking: [], roles: [{ name: 'agent', rank: 1, grantedBy: [] }], directRoleSources: ['agents'] };
    const agents = source([user('a1')], [group('role:agent')], [inGroup('role:agent', 'a1')]);
    const ldap = source([user('l1')], [group('role:agent')], [inGroup('role:agent', 'l1')]);
    const r = resolveState(new Map([['agents', agents], ['ldap', ldap]]), rules, new Map());
    assert.ok(rolesOf(r, 'agents', 'a1')['agent']);
    assert.deepEqual(rolesOf(r, 'ldap', 'l1'), {});
  });
});

describe('canonical serialization', () => {
  it('normalized accounts and built principals serialize canonically with plain JSON.stringify', async () => {
    const { normalizeAccount, normalizeGroup } = await import('../../src/apply/normalize-account.js');
    const { buildPrincipal } = await import('../../src/resolve/build-principal.js');
    const a = normalizeAccount({ externalId: 'x', status: 'active', kind: 'human', displayName: 'X', attributes: { z: ['b', 'a'], a: 'q' }, identifiers: [{ value: 'b@e.com', kind: 'email' }, { kind: 'uid', value: 'x', verified: true }] });
    assert.equal(JSON.stringify(a), canonicalJson(a));
    const g = normalizeGroup({ name: 'n', externalId: 'e', dn: 'cn=n' });
    assert.equal(JSON.stringify(g), canonicalJson(g));
    const p = buildPrincipal('p_1', ['ldap\u0000x', 'okta\u0000y'], (k) => (k.startsWith('ldap') ? a : { ...a, externalId: 'y' }));
    assert.equal(JSON.stringify(p), canonicalJson(p));
  });
});
