import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGroupPatch, type GroupPatchContext } from '../../connectors/scim/group-patch.js';
import type { JsonObject } from '../../connectors/scim/json.js';
import { parsePatchRequest } from '../../connectors/scim/patch-request.js';
import { GROUP_KIND, USER_KIND } from '../../connectors/scim/resource-kind.js';
import { ScimError } from '../../connectors/scim/scim-error.js';
import { normalizeUser } from '../../connectors/scim/user-input.js';
import { patchUser } from '../../connectors/scim/user-patch.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const base: JsonObject = normalizeUser(
  {
    schemas: [CORE, ENT],
    userName: 'Test_User_ab6490ee@testuser.com',
    active: true,
    displayName: 'Test User',
    emails: [{ primary: true, type: 'work', value: 'work@testuser.com' }],
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    [ENT]: { department: 'Sales', employeeNumber: '1' },
  },
  { requireSchemas: true },
);

const patch = (ops: object[], r: JsonObject = base): JsonObject =>
  normalizeUser(patchUser(r, parsePatchRequest({ schemas: [PATCH], Operations: ops }, USER_KIND)), { requireSchemas: false });

function fails(fn: () => unknown, status: number, scimType?: string): void {
  assert.throws(fn, (e: unknown) => e instanceof ScimError && e.status === status && e.scimType === scimType);
}

describe('scim user input', () => {
  it('canonicalizes attribute names, coerces "True"/"False", drops read-only attributes and the password', () => {
    const u = normalizeUser(
      {
        Schemas: [CORE.toUpperCase()],
        USERNAME: 'bob',
        Active: 'False',
        id: 'client-chosen',
        meta: { resourceType: 'User' },
        groups: [{ value: 'g' }],
        password: 'hunter2',
        emails: [{ Value: 'b@x.com', Primary: 'True' }],
        [ENT.toLowerCase()]: { Manager: 'mgr-id', department: 'Ops' },
      },
      { requireSchemas: true },
    );
    assert.deepEqual(u, {
      schemas: [CORE, ENT],
      userName: 'bob',
      active: false,
      emails: [{ value: 'b@x.com', primary: true }],
      [ENT]: { manager: { value: 'mgr-id' }, department: 'Ops' },
    });
  });

  it('rejects wrong types with invalidValue and a missing schema with invalidSyntax', () => {
    fails(() => normalizeUser({ schemas: [CORE], userName: true }, { requireSchemas: true }), 400, 'invalidValue');
    fails(() => normalizeUser({ schemas: [CORE], userName: ['a'] }, { requireSchemas: true }), 400, 'invalidValue');
    fails(() => normalizeUser({ schemas: [CORE], userName: '' }, { requireSchemas: true }), 400, 'invalidValue');
    fails(() => normalizeUser({ schemas: [CORE], userName: 'a', active: 'maybe' }, { requireSchemas: true }), 400, 'invalidValue');
    fails(() => normalizeUser({ schemas: [CORE], userName: 'a', name: 'x' }, { requireSchemas: true }), 400, 'invalidValue');
    fails(() => normalizeUser({ schemas: [CORE], userName: 'a', emails: [{ value: {} }] }, { requireSchemas: true }), 400, 'invalidValue');
    fails(() => normalizeUser({ schemas: [CORE], userName: 'a', emails: [{ value: 'a', primary: true }, { value: 'b', primary: true }] }, { requireSchemas: true }), 400, 'invalidValue');
    fails(() => normalizeUser({ schemas: [CORE], userName: 'a', [ENT]: 'x' }, { requireSchemas: true }), 400, 'invalidValue');
    fails(() => normalizeUser({ schemas: [CORE], userName: 'a', x: { __proto__x: 1, ['__proto__']: 1 } }, { requireSchemas: true }), 400, 'invalidValue');
    fails(() => normalizeUser(JSON.parse('{"schemas":["' + CORE + '"],"userName":"a","custom":{"__proto__":{"polluted":1}}}'), { requireSchemas: true }), 400, 'invalidValue');
    fails(() => normalizeUser({ userName: 'a' }, { requireSchemas: true }), 400, 'invalidSyntax');
    fails(() => normalizeUser([], { requireSchemas: true }), 400, 'invalidSyntax');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('keeps unknown attributes and custom extensions as sent', () => {
    const x = 'urn:ietf:params:scim:schemas:extension:CustomExtension:2.0:User';
    const u = normalizeUser({ schemas: [CORE, x], userName: 'a', [x]: { costCode: 'A1', tags: ['x'] }, nickName: 'Al', vendorThing: { a: [1, 2] } }, { requireSchemas: true });
    assert.deepEqual(u[x], { costCode: 'A1', tags: ['x'] });
    assert.deepEqual(u.vendorThing, { a: [1, 2] });
    assert.deepEqual(u.schemas, [CORE, x]);
  });
});

describe('scim user PATCH', () => {
  it('Entra without aadOptscim062020: capitalized ops, one path per attribute, "False" as a string', () => {
    const r = patch([
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updated@testuser.com' },
      { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      { op: 'Add', path: `${ENT}:employeeNumber`, value: '42' },
      { op: 'Replace', path: `${ENT}:manager`, value: 'manager-id' },
      { op: 'Replace', path: 'active', value: 'False' },
    ]);
    assert.deepEqual(r.emails, [{ primary: true, type: 'work', value: 'updated@testuser.com' }]);
    assert.deepEqual(r.name, { formatted: 'givenName familyName', familyName: 'updatedFamilyName', givenName: 'givenName' });
    assert.deepEqual(r[ENT], { department: 'Sales', employeeNumber: '42', manager: { value: 'manager-id' } });
    assert.equal(r.active, false);
  });

  it('Entra with aadOptscim062020: one path-less replace with dotted, filtered and URN keys', () => {
    const r = patch([
      {
        op: 'replace',
        value: {
          displayName: 'Pvlo',
          'emails[type eq "work"].value': 'TestBcwqnm@test.microsoft.com',
          'name.givenName': 'Gtfd',
          'name.familyName': 'Xzsr',
          externalId: 'Eqpj',
          [`${ENT}:employeeNumber`]: 'Swqvi',
          active: false,
        },
      },
    ]);
    assert.equal(r.displayName, 'Pvlo');
    assert.deepEqual(r.emails, [{ primary: true, type: 'work', value: 'TestBcwqnm@test.microsoft.com' }]);
    assert.deepEqual(r.name, { formatted: 'givenName familyName', familyName: 'Xzsr', givenName: 'Gtfd' });
    assert.equal(r.externalId, 'Eqpj');
    assert.equal((r[ENT] as JsonObject).employeeNumber, 'Swqvi');
    assert.equal(r.active, false);
  });

  it('Okta deactivation and password sync: path-less replace of active / password', () => {
    const r = patch([{ op: 'replace', value: { active: false } }, { op: 'replace', value: { password: 'new-secret' } }]);
    assert.equal(r.active, false);
    assert.equal('password' in r, false);
    assert.equal(JSON.stringify(r).includes('new-secret'), false);
  });

  it('adds a work email that does not exist yet (Entra sends Add/Replace for it)', () => {
    const noEmail = normalizeUser({ schemas: [CORE], userName: 'x' }, { requireSchemas: true });
    const r = patch([{ op: 'Add', path: 'emails[type eq "work"].value', value: 'new@x.com' }], noEmail);
    assert.deepEqual(r.emails, [{ type: 'work', value: 'new@x.com' }]);
    fails(() => patch([{ op: 'replace', path: 'emails[value co "zzz"].value', value: 'a' }]), 400, 'noTarget');
  });

  it('replace of a complex attribute keeps sub-attributes it does not name; whole-extension values merge', () => {
    const r = patch([{ op: 'replace', path: 'name', value: { givenName: 'G' } }, { op: 'add', value: { [ENT]: { division: 'D' } } }]);
    assert.deepEqual(r.name, { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'G' });
    assert.deepEqual(r[ENT], { department: 'Sales', employeeNumber: '1', division: 'D' });
  });

  it('adds to and removes from multi-valued attributes; a new primary takes primary from the others', () => {
    let r = patch([{ op: 'add', path: 'emails', value: [{ value: 'home@x.com', type: 'home', primary: true }] }]);
    assert.deepEqual(r.emails, [
      { primary: false, type: 'work', value: 'work@testuser.com' },
      { value: 'home@x.com', type: 'home', primary: true },
    ]);
    r = patch([{ op: 'remove', path: 'emails[type eq "work"]' }], r);
    assert.deepEqual(r.emails, [{ value: 'home@x.com', type: 'home', primary: true }]);
    r = patch([{ op: 'remove', path: 'emails', value: [{ value: 'HOME@x.com' }] }], r);
    assert.equal(r.emails, undefined);
    r = patch([{ op: 'remove', path: `${ENT}:department` }, { op: 'remove', path: 'name.formatted' }]);
    assert.deepEqual(r[ENT], { employeeNumber: '1' });
    assert.equal((r.name as JsonObject).formatted, undefined);
    r = patch([{ op: 'remove', path: ENT }]);
    assert.equal(r[ENT], undefined);
  });

  it('ignores an id equal to the user\'s own and schemas in a value object; rejects read-only changes', () => {
    const withId = { ...base, id: 'me' };
    const r = patch([{ op: 'replace', value: { id: 'me', schemas: [CORE], title: 'T' } }], withId);
    assert.equal(r.title, 'T');
    fails(() => patch([{ op: 'replace', path: 'id', value: 'other' }], withId), 400, 'mutability');
    fails(() => patch([{ op: 'add', path: 'groups', value: [{ value: 'g' }] }]), 400, 'mutability');
    fails(() => patch([{ op: 'remove', path: 'userName' }]), 400, 'invalidValue');
    fails(() => patch([{ op: 'replace', path: 'active', value: 'nope' }]), 400, 'invalidValue');
  });
});

describe('scim PatchOp parsing', () => {
  const parse = (body: unknown) => parsePatchRequest(body, USER_KIND);
  it('accepts op names and the Operations key in any case', () => {
    const ops = parse({ schemas: [PATCH], operations: [{ OP: 'ADD', Path: 'title', Value: 'x' }] });
    assert.deepEqual(ops, [{ op: 'add', path: { attr: 'title' }, value: 'x' }]);
  });
  it('rejects malformed requests with the RFC error types', () => {
    fails(() => parse({ Operations: [] }), 400, 'invalidSyntax');
    fails(() => parse({ schemas: [PATCH], Operations: [] }), 400, 'invalidSyntax');
    fails(() => parse({ schemas: [PATCH], Operations: 'x' }), 400, 'invalidSyntax');
    fails(() => parse({ schemas: [PATCH], Operations: [{ op: 'move', path: 'a' }] }), 400, 'invalidSyntax');
    fails(() => parse({ schemas: [PATCH], Operations: [{ op: 'remove' }] }), 400, 'noTarget');
    fails(() => parse({ schemas: [PATCH], Operations: [{ op: 'add', path: 'title' }] }), 400, 'invalidValue');
    fails(() => parse({ schemas: [PATCH], Operations: [{ op: 'replace', value: 'x' }] }), 400, 'invalidValue');
    fails(() => parse({ schemas: [PATCH], Operations: [{ op: 'remove', path: 'emails[type eq' }] }), 400, 'invalidPath');
    fails(() => parse({ schemas: [PATCH], Operations: [{ op: 'remove', path: 7 }] }), 400, 'invalidPath');
  });
});

describe('scim group PATCH', () => {
  const known = new Map<string, 'account' | 'group'>([
    ['u1', 'account'],
    ['u2', 'account'],
    ['u3', 'account'],
    ['g2', 'group'],
  ]);
  const ctx = (current: string[] = []): GroupPatchContext => ({
    groupId: 'g1',
    resolve: (id) => known.get(id),
    currentMembers: () => current.map((id) => ({ memberType: known.get(id)!, memberId: id })),
  });
  const compile = (ops: object[], current?: string[]) => compileGroupPatch(parsePatchRequest({ schemas: [PATCH], Operations: ops }, GROUP_KIND), ctx(current));
  const net = (p: ReturnType<typeof compile>) => [...p.changes.values()].map((c) => `${c.present ? '+' : '-'}${c.member.memberId}`).sort();

  it('turns member adds and removes into commuting deltas, net of their order', () => {
    const p = compile([
      { op: 'Add', path: 'members', value: [{ $ref: null, value: 'u1' }, { value: 'g2' }] },
      { op: 'Remove', path: 'members', value: [{ $ref: null, value: 'u2' }] },
      { op: 'remove', path: 'members[value eq "u1"]' },
      { op: 'add', path: 'members', value: [{ value: 'u1' }] },
    ]);
    assert.deepEqual(net(p), ['+g2', '+u1', '-u2']);
    assert.equal(p.replace, null);
    assert.equal(p.changes.get('g:g2')?.member.memberType, 'group');
  });

  it('skips unknown member ids (and the group itself) and keeps the rest', () => {
    const p = compile([{ op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'ghost' }, { value: 'g1' }, { value: 'u3' }] }]);
    assert.deepEqual(net(p), ['+u1', '+u3']);
    assert.deepEqual(p.skipped, ['ghost', 'g1']);
  });

  it('Okta Group Push: replace of the whole list, an empty list, rename together with membership', () => {
    let p = compile([{ op: 'replace', value: { id: 'g1', displayName: 'Renamed', members: [{ value: 'u2', display: 'u2@x' }] } }]);
    assert.equal(p.name, 'Renamed');
    assert.deepEqual([...p.replace!.keys()], ['a:u2']);
    p = compile([{ op: 'replace', path: 'members', value: [] }]);
    assert.deepEqual([...p.replace!.keys()], []);
    p = compile([{ op: 'remove', path: 'members' }, { op: 'add', path: 'members', value: [{ value: 'u3' }] }]);
    assert.deepEqual([...p.replace!.keys()], ['a:u3'], 'a remove-all then add is a replace');
    p = compile([{ op: 'replace', path: 'displayName', value: 'New' }]);
    assert.equal(p.name, 'New');
  });

  it('removes by any member filter against the current members', () => {
    const p = compile([{ op: 'remove', path: 'members[type eq "Group"]' }], ['u1', 'g2']);
    assert.deepEqual(net(p), ['-g2']);
    const q = compile([{ op: 'remove', path: 'members[value eq "u1" or value eq "u2"]' }]);
    assert.deepEqual(net(q), ['-u1', '-u2']);
  });

  it('rejects what a group cannot store or change', () => {
    fails(() => compile([{ op: 'replace', path: 'id', value: 'other' }]), 400, 'mutability');
    fails(() => compile([{ op: 'remove', path: 'displayName' }]), 400, 'invalidValue');
    fails(() => compile([{ op: 'replace', path: 'displayName', value: 5 }]), 400, 'invalidValue');
    fails(() => compile([{ op: 'add', path: 'members', value: [{ display: 'no value' }] }]), 400, 'invalidValue');
    fails(() => compile([{ op: 'replace', path: 'members[value eq "u1"].display', value: 'x' }]), 400, 'invalidPath');
    fails(() => compile([{ op: 'add', path: 'owner', value: 'x' }]), 400, 'invalidPath');
    assert.deepEqual(compile([{ op: 'replace', value: { externalId: 'entra-object-id' } }]).changes.size, 0);
  });
});
