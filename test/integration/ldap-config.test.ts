/**
 * The `ldap` connector's pieces that need no server: option parsing with presets, DN matching,
 * GUID formatting and the cursor format.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ZodError } from 'zod';
import { ldapConnectorFactory } from '../../connectors/ldap/index.js';
import { decodeCursor, encodeCursor, formatGeneralizedTime, parseGeneralizedTime } from '../../connectors/ldap/cursor.js';
import { isUnder, normalizeDn, parentDn } from '../../connectors/ldap/dn.js';
import { formatGuid } from '../../connectors/ldap/entry.js';
import { memberDn } from '../../connectors/ldap/map-entry.js';
import { DnTable } from '../../connectors/ldap/dn-table.js';
import { DirectoryIndex } from '../../connectors/ldap/directory-index.js';

const parse = (raw: unknown) => ldapConnectorFactory.parseOptions(raw);
const issuePaths = (raw: unknown): string[] => {
  try {
    parse(raw);
  } catch (err) {
    assert.ok(err instanceof ZodError, String(err));
    return err.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  }
  assert.fail('expected a validation error');
};

const minimal = { url: 'ldap://ldap.example.com', bindDN: 'cn=roster,dc=example,dc=com', bindPassword: { file: '/etc/roster/ldap.pw' }, baseDN: 'dc=example,dc=com' };

describe('ldap options', () => {
  it('the openldap preset fills in everything a typical directory needs', () => {
    const o = parse({ preset: 'openldap', ...minimal });
    assert.deepEqual(o.urls, ['ldap://ldap.example.com']);
    assert.equal(o.pageSize, 500);
    assert.equal(o.users.baseDN, 'dc=example,dc=com');
    assert.equal(o.users.scope, 'sub');
    assert.match(o.users.filter, /inetOrgPerson/);
    assert.match(o.groups.filter, /groupOfNames/);
    assert.equal(o.attributes.id, 'entryUUID');
    assert.equal(o.attributes.login, 'uid');
    assert.deepEqual(o.memberAttributes.map((m) => `${m.attribute}:${m.by}`), ['member:dn', 'uniqueMember:dn', 'memberUid:login']);
    assert.equal(o.incremental, 'entryCSN');
    assert.equal(o.status, null);
    assert.equal(o.memberRange, null);
    assert.equal(o.connectTimeoutMs, 10_000);
    assert.equal(o.searchTimeoutMs, 120_000);
    assert.equal(parse({ preset: 'openldap', ...minimal, connectTimeout: 3 }).connectTimeoutMs, 3_000, 'a number is seconds, as elsewhere in the config');
    assert.equal(o.tls.rejectUnauthorized, true);
  });

  it('the active-directory preset: objectGUID, sAMAccountName, userAccountControl, ranges, uSNChanged, tombstones', () => {
    const o = parse({ preset: 'active-directory', ...minimal, urls: ['ldaps://dc1.example.com:636', 'ldaps://dc2.example.com'], url: undefined });
    assert.deepEqual(o.urls, ['ldaps://dc1.example.com:636', 'ldaps://dc2.example.com']);
    assert.equal(o.attributes.id, 'objectGUID');
    assert.equal(o.attributes.idFormat, 'guid');
    assert.equal(o.attributes.login, 'sAMAccountName');
    assert.equal(o.attributes.upn, 'userPrincipalName');
    assert.equal(o.attributes.employeeId, 'employeeID');
    assert.deepEqual(o.status, { attribute: 'userAccountControl', disabledBit: 2 });
    assert.equal(o.memberRange, 1500);
    assert.equal(o.incremental, 'usnChanged');
    assert.equal(o.showDeleted, true);
    assert.equal(o.references, 'ignore-partitions');
  });

  it('overrides merge over the preset', () => {
    const o = parse({
      preset: 'openldap',
      ...minimal,
      users: { baseDN: 'ou=people,dc=example,dc=com', filter: '(objectClass=person)' },
      attributes: { login: 'cn', extra: ['title'], emailVerified: true },
      status: { attribute: 'pwdAccountLockedTime', disabledWhenPresent: true },
      memberAttributes: [{ attribute: 'member', by: 'dn' }],
      searchTimeout: '90s',
      incremental: 'modifyTimestamp',
    });
    assert.deepEqual(o.users, { baseDN: 'ou=people,dc=example,dc=com', filter: '(objectClass=person)', scope: 'sub' });
    assert.equal(o.groups.baseDN, 'dc=example,dc=com');
    assert.equal(o.attributes.login, 'cn');
    assert.equal(o.attributes.id, 'entryUUID', 'unmentioned mappings keep the preset');
    assert.deepEqual(o.attributes.extra, ['title']);
    assert.equal(o.searchTimeoutMs, 90_000);
    assert.equal(o.incremental, 'modifyTimestamp');
  });

  it('rejects what cannot work, with paths relative to options', () => {
    assert.ok(issuePaths({ preset: 'openldap', ...minimal, url: undefined }).some((p) => p.startsWith('url: give exactly one of url or urls')));
    assert.ok(issuePaths({ preset: 'openldap', ...minimal, urls: ['ldap://b'] }).some((p) => p.startsWith('url:')));
    assert.ok(issuePaths({ preset: 'openldap', ...minimal, bindPassword: 'hunter2' }).some((p) => p.startsWith('bindPassword: expected a secret reference')));
    assert.ok(issuePaths({ preset: 'openldap', ...minimal, bindPassword: undefined }).some((p) => p.startsWith('bindPassword: bindDN needs bindPassword')));
    assert.ok(issuePaths({ preset: 'openldap', ...minimal, url: 'https://ldap.example.com' }).some((p) => p.startsWith('url: expected an LDAP URL')));
    assert.ok(issuePaths({ preset: 'openldap', ...minimal, url: 'ldaps://x', tls: { startTLS: true } }).some((p) => p.startsWith('tls.startTLS:')));
    assert.ok(issuePaths({ preset: 'openldap', ...minimal, tls: { cert: 'c.pem' } }).some((p) => p.startsWith('tls: give both cert and key')));
    assert.ok(issuePaths({ preset: 'openldap', ...minimal, users: { filter: 'objectClass=person' } }).some((p) => p.startsWith('users.filter:')));
    assert.ok(issuePaths({ preset: 'openldap', ...minimal, connectTimeout: '5 seconds' }).length > 0);
    assert.ok(issuePaths({ preset: 'novell', ...minimal }).some((p) => p.startsWith('preset:')));
    assert.ok(issuePaths({ preset: 'openldap', ...minimal, pageSie: 100 }).some((p) => /pageSie/.test(p)));
  });
});

describe('ldap DN matching', () => {
  it('normalizes case, blanks and escapes the same way for both sides', () => {
    const canonical = normalizeDn('uid=jose,ou=people,dc=example,dc=com');
    assert.equal(normalizeDn('UID=jose, OU=People, DC=example, DC=com'), canonical);
    assert.equal(normalizeDn('uid = JOSE ,ou=people , dc=example,dc=com'), canonical);
    assert.equal(normalizeDn('cn=Zo\\C3\\AB \\C3\\85ngstr\\C3\\B6m,ou=people,dc=example,dc=com'), normalizeDn('cn=Zoë Ångström,ou=people,dc=example,dc=com'));
    assert.equal(normalizeDn('cn=Smith\\2C John,dc=x'), normalizeDn('CN=Smith\\, John,DC=x'));
    assert.notEqual(normalizeDn('cn=Smith\\, John,dc=x'), normalizeDn('cn=Smith,cn=John,dc=x'));
    assert.equal(normalizeDn('cn=\\ lead,dc=x'), 'cn=\\ lead,dc=x');
    assert.equal(parentDn('cn=a\\,b,ou=c,dc=d'), 'ou=c,dc=d');
    assert.ok(isUnder('uid=a,ou=People,dc=example,dc=com', 'ou=people, dc=example, dc=com'));
    assert.ok(!isUnder('uid=a,ou=people2,dc=example,dc=com', 'ou=people,dc=example,dc=com'));
    assert.equal(memberDn("uid=dave,ou=people,dc=example,dc=com#'0101'B"), 'uid=dave,ou=people,dc=example,dc=com');
  });

  it('the DN index follows renames and removals, and its table agrees with a Map', () => {
    const index = new DirectoryIndex(true);
    index.setAccount('id-1', 'uid=a,ou=People,dc=x', 'A');
    index.setGroup('g-1', 'cn=g,ou=groups,dc=x');
    assert.deepEqual(index.byNormalizedDn(normalizeDn('UID=a, ou=people, dc=x')), { memberType: 'account', memberId: 'id-1' });
    assert.deepEqual(index.accountByLogin('a'), { memberType: 'account', memberId: 'id-1' });
    index.setAccount('id-1', 'uid=b,ou=people,dc=x', 'b');
    assert.equal(index.byNormalizedDn('uid=a,ou=people,dc=x'), undefined, 'the old DN is forgotten');
    assert.equal(index.accountByLogin('a'), undefined);
    assert.equal(index.byNormalizedDn('uid=b,ou=people,dc=x')?.memberId, 'id-1');
    index.removeAccount('id-1');
    index.removeGroup('g-1');
    assert.equal(index.byNormalizedDn('uid=b,ou=people,dc=x'), undefined);
    assert.equal(index.byNormalizedDn('cn=g,ou=groups,dc=x'), undefined);
    assert.equal(index.size, 0);

    const t = new DnTable<number>(4);
    const m = new Map<string, number>();
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    for (let step = 0; step < 20_000; step++) {
      const k = `uid=u${rnd(3000)},ou=people,dc=x`;
      const op = rnd(3);
      if (op === 0) {
        t.set(k, step);
        m.set(k, step);
      } else if (op === 1) {
        assert.equal(t.delete(k), m.delete(k));
      } else {
        assert.equal(t.get(k), m.get(k));
      }
      assert.equal(t.size, m.size);
    }
    for (const [k, v] of m) assert.equal(t.get(k), v);
  });

  it('formats a binary objectGUID the way AD shows it', () => {
    const bytes = Buffer.from('67452301ab89efcd0123456789abcdef', 'hex');
    assert.equal(formatGuid(bytes), '01234567-89ab-cdef-0123-456789abcdef');
  });
});

describe('ldap cursor', () => {
  it('round-trips its versioned JSON and refuses anything else', () => {
    const c = { v: 1, kind: 'entryCSN', csn: '20260101120000.000000Z#000000#000#000000', atMark: ['a'] } as const;
    assert.deepEqual(decodeCursor(encodeCursor(c)), c);
    const ad = { v: 1, kind: 'usnChanged', dc: 'dc1.example.com', invocationId: '01234567-89ab-cdef-0123-456789abcdef', usn: '12345' } as const;
    assert.deepEqual(decodeCursor(encodeCursor(ad)), ad);
    for (const bad of [null, '', 'not json', '{"v":2,"kind":"entryCSN","csn":"x","atMark":[]}', '{"v":1,"kind":"usnChanged","dc":"x","invocationId":"y","usn":"12a"}', '"csn"', '{"v":1,"kind":"entryCSN","csn":"x"}']) {
      assert.equal(decodeCursor(bad), null, String(bad));
    }
    assert.equal(parseGeneralizedTime('20260102030405Z'), Date.UTC(2026, 0, 2, 3, 4, 5));
    assert.equal(parseGeneralizedTime('20260102030405.0Z'), Date.UTC(2026, 0, 2, 3, 4, 5));
    assert.equal(formatGeneralizedTime(Date.UTC(2026, 0, 2, 3, 4, 5)), '20260102030405Z');
  });
});
