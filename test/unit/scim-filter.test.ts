import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkFilter, matches } from '../../connectors/scim/filter-eval.js';
import { parseFilter, parsePatchPath, splitAttrPath } from '../../connectors/scim/filter-parser.js';
import type { JsonObject } from '../../connectors/scim/json.js';
import { GROUP_KIND, resourceScope, USER_KIND } from '../../connectors/scim/resource-kind.js';
import { ScimError } from '../../connectors/scim/scim-error.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const users = resourceScope(USER_KIND);

const alice: JsonObject = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
  id: '0190a1b2-0000-7000-8000-000000000001',
  externalId: 'AbC-123',
  userName: 'Alice.Smith@Example.com',
  displayName: 'Alice Smith',
  title: 'Tour Guide',
  active: true,
  name: { givenName: 'Alice', familyName: 'Smith' },
  emails: [
    { value: 'alice@example.com', type: 'work', primary: true },
    { value: 'alice@home.example.org', type: 'home' },
  ],
  [ENT]: { employeeNumber: '701984', department: 'Cardiology', manager: { value: 'boss-id' } },
  meta: { resourceType: 'User', created: '2024-01-23T04:56:22Z', lastModified: '2024-05-13T04:42:34Z' },
};

const match = (f: string, r: JsonObject = alice): boolean => {
  const filter = parseFilter(f, USER_KIND.urns);
  checkFilter(filter, users);
  return matches(filter, r, users);
};

function rejects(f: string, scimType: string, fn: (s: string) => unknown = (s) => match(s)): void {
  assert.throws(() => fn(f), (e: unknown) => e instanceof ScimError && e.status === 400 && e.scimType === scimType, `expected 400 ${scimType} for ${f}`);
}

describe('scim filter parser', () => {
  it('parses comparisons, presence and attribute paths with URNs and sub-attributes', () => {
    assert.deepEqual(parseFilter('userName eq "bjensen"'), { kind: 'compare', op: 'eq', path: { attr: 'userName' }, value: 'bjensen' });
    assert.deepEqual(parseFilter('title pr'), { kind: 'present', path: { attr: 'title' } });
    assert.deepEqual(parseFilter('name.familyName co "O\'Malley"'), { kind: 'compare', op: 'co', path: { attr: 'name', sub: 'familyName' }, value: "O'Malley" });
    assert.deepEqual(parseFilter(`${ENT}:manager.value eq "x"`), { kind: 'compare', op: 'eq', path: { urn: ENT, attr: 'manager', sub: 'value' }, value: 'x' });
    assert.deepEqual(parseFilter('meta.lastModified gt "2011-05-13T04:42:34Z"').kind, 'compare');
    assert.deepEqual(parseFilter('count ge 10'), { kind: 'compare', op: 'ge', path: { attr: 'count' }, value: 10 });
    assert.deepEqual(parseFilter('x eq -1.5e2'), { kind: 'compare', op: 'eq', path: { attr: 'x' }, value: -150 });
    assert.deepEqual(parseFilter('active eq TRUE'), { kind: 'compare', op: 'eq', path: { attr: 'active' }, value: true });
    assert.deepEqual(parseFilter('manager eq null'), { kind: 'compare', op: 'eq', path: { attr: 'manager' }, value: null });
  });

  it('operators and logical words are case-insensitive', () => {
    assert.deepEqual(parseFilter('userName EQ "a" AND title Pr'), parseFilter('userName eq "a" and title pr'));
    assert.equal(parseFilter('NOT (title pr)').kind, 'not');
  });

  it('and binds tighter than or; parentheses and not group', () => {
    const f = parseFilter('a eq "1" or b eq "2" and c eq "3"');
    assert.equal(f.kind, 'or');
    assert.equal(f.kind === 'or' && f.right.kind, 'and');
    const g = parseFilter('(a eq "1" or b eq "2") and not (c eq "3")');
    assert.equal(g.kind, 'and');
    assert.equal(g.kind === 'and' && g.left.kind, 'or');
    assert.equal(g.kind === 'and' && g.right.kind, 'not');
  });

  it('parses value paths, including complex ones and the RFC examples', () => {
    const f = parseFilter('emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]');
    assert.equal(f.kind, 'or');
    assert.equal(f.kind === 'or' && f.left.kind, 'valuePath');
    assert.deepEqual(parseFilter('userType eq "Employee" and emails[type eq "work" and value co "@example.com"]').kind, 'and');
    // Entra's lookup by work email: a sub-attribute comparison after the value filter.
    assert.deepEqual(parseFilter('emails[type eq "work"].value eq "a@b.c"'), {
      kind: 'valuePath',
      path: { attr: 'emails' },
      filter: {
        kind: 'and',
        left: { kind: 'compare', op: 'eq', path: { attr: 'type' }, value: 'work' },
        right: { kind: 'compare', op: 'eq', path: { attr: 'value' }, value: 'a@b.c' },
      },
    });
  });

  it('decodes JSON string escapes and accepts single quotes leniently', () => {
    assert.deepEqual(parseFilter('userName eq "a\\"b\\\\c\\u0041"'), { kind: 'compare', op: 'eq', path: { attr: 'userName' }, value: 'a"b\\cA' });
    assert.deepEqual(parseFilter("emails[type eq 'work']").kind, 'valuePath');
  });

  it('rejects malformed filters with invalidFilter and a position', () => {
    for (const bad of [
      '',
      'userName',
      'userName eq',
      'userName eq bjensen',
      'userName equals "x"',
      'userName eq "unterminated',
      '(userName eq "x"',
      'userName eq "x")',
      'userName eq "x" and',
      'userName eq "x" xor title pr',
      'emails[type eq "work"',
      'emails[type eq "work"].',
      'emails[type eq "work"].value',
      'emails[type eq "work" and addresses[type eq "x"]]',
      'emails[urn:x:y:type eq "work"]',
      'name.a.b eq "x"',
      '1abc eq "x"',
      'userName eq "bad \\q escape"',
      'not title pr',
      `${'('.repeat(40)}a pr${')'.repeat(40)}`,
      'a eq "x"'.padEnd(9000, ' '),
    ]) {
      rejects(bad, 'invalidFilter', (s) => parseFilter(s));
    }
    try {
      parseFilter('userName eq "x" zz');
    } catch (e) {
      assert.match((e as Error).message, /position 17/);
    }
  });

  it('parses PATCH paths with filters and a trailing sub-attribute', () => {
    assert.deepEqual(parsePatchPath('members[value eq "2819c223"]'), {
      attr: 'members',
      filter: { kind: 'compare', op: 'eq', path: { attr: 'value' }, value: '2819c223' },
    });
    const p = parsePatchPath('emails[type eq "work"].value');
    assert.equal(p.attr, 'emails');
    assert.equal(p.sub, 'value');
    assert.equal(parsePatchPath(`${ENT}:department`, USER_KIND.urns).urn, ENT);
    assert.equal(parsePatchPath('urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value').urn, 'urn:ietf:params:scim:schemas:core:2.0:User');
    rejects('members[value eq "x"', 'invalidPath', (s) => parsePatchPath(s));
    rejects('members[value eq "x"].', 'invalidPath', (s) => parsePatchPath(s));
    rejects('name.givenName[x eq "y"]', 'invalidPath', (s) => parsePatchPath(s));
    assert.deepEqual(splitAttrPath(ENT, USER_KIND.urns), { urn: ENT, attr: '' });
  });
});

describe('scim filter evaluation', () => {
  it('compares userName and other caseExact=false strings case-insensitively', () => {
    assert.equal(match('userName eq "alice.smith@example.com"'), true);
    assert.equal(match('USERNAME Eq "ALICE.SMITH@EXAMPLE.COM"'), true);
    assert.equal(match('userName sw "alice"'), true);
    assert.equal(match('userName ew "EXAMPLE.COM"'), true);
    assert.equal(match('userName co "smith@"'), true);
    assert.equal(match('userName ne "bob"'), true);
    assert.equal(match('userName ne "alice.smith@example.com"'), false);
  });

  it('compares caseExact attributes (id, externalId) exactly', () => {
    assert.equal(match('externalId eq "AbC-123"'), true);
    assert.equal(match('externalId eq "abc-123"'), false);
  });

  it('handles presence, booleans, dates and ordering', () => {
    assert.equal(match('title pr'), true);
    assert.equal(match('nickName pr'), false);
    assert.equal(match('active eq true'), true);
    assert.equal(match('active eq "true"'), true);
    assert.equal(match('active eq false'), false);
    assert.equal(match('meta.lastModified gt "2024-05-01T00:00:00Z"'), true);
    assert.equal(match('meta.lastModified lt "2024-05-13T04:42:34.000Z"'), false);
    assert.equal(match('meta.created eq "2024-01-23T04:56:22.000Z"'), true, 'dates compare as instants');
    assert.equal(match('title gt "S"'), true);
    assert.equal(match('title le "A"'), false);
  });

  it('rejects ordering on booleans with invalidFilter', () => {
    rejects('active gt true', 'invalidFilter');
    rejects('emails[primary lt true]', 'invalidFilter');
    rejects('userName[value eq "x"]', 'invalidFilter');
  });

  it('matches multi-valued attributes when any value matches, and value paths per element', () => {
    assert.equal(match('emails.value eq "alice@home.example.org"'), true);
    assert.equal(match('emails co "home.example"'), true, 'a complex attribute compares its value');
    assert.equal(match('emails[type eq "work" and value co "@example.com"]'), true);
    assert.equal(match('emails[type eq "home" and value co "@example.com"]'), false);
    assert.equal(match('emails[type eq "home"] and not (emails[primary eq true and type eq "home"])'), true);
    assert.equal(match('emails.type eq "other"'), false);
    assert.equal(match('emails[type eq "work"].value eq "ALICE@example.com"'), true);
    assert.equal(match('emails[type eq "home"].value eq "alice@example.com"'), false);
    assert.equal(match('emails[type eq "work"].display pr'), false);
  });

  it('finds enterprise attributes with and without the URN', () => {
    assert.equal(match(`${ENT}:department eq "cardiology"`), true);
    assert.equal(match(`${ENT}:manager.value eq "boss-id"`), true);
    assert.equal(match('employeeNumber eq "701984"'), true);
    assert.equal(match(`${ENT.toUpperCase()}:DEPARTMENT eq "Cardiology"`), true);
  });

  it('treats null as absent and unknown attributes as absent', () => {
    assert.equal(match('nickName eq null'), true);
    assert.equal(match('title eq null'), false);
    assert.equal(match('title ne null'), true);
    assert.equal(match('noSuchAttribute eq "x"'), false);
    assert.equal(match('noSuchAttribute ne "x"'), true);
  });

  it('evaluates and/or/not with grouping', () => {
    assert.equal(match('userName sw "bob" or (title pr and active eq true)'), true);
    assert.equal(match('not (userName sw "alice") or title eq "x"'), false);
    assert.equal(match('(title eq "x" or title eq "tour guide") and not (active eq false)'), true);
  });

  it('filters groups on members', () => {
    const g: JsonObject = { id: 'g1', displayName: 'Eng', members: [{ value: 'u1', type: 'User' }, { value: 'g2', type: 'Group' }] };
    const scope = resourceScope(GROUP_KIND);
    const m = (f: string) => matches(parseFilter(f), g, scope);
    assert.equal(m('members eq "u1"'), true);
    assert.equal(m('members[value eq "g2" and type eq "Group"]'), true);
    assert.equal(m('members.value eq "u3"'), false);
    assert.equal(m('displayName eq "eng"'), true);
  });
});
