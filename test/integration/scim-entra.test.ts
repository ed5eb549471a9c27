import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patchBody, ScimHarness } from '../support/scim-harness.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/**
 * Request sequences as the Microsoft Entra provisioning service sends them ("Tutorial: Develop and
 * plan provisioning for a SCIM endpoint" and "Known issues and resolutions with SCIM 2.0 protocol
 * compliance"): lookups by userName and externalId, create, PATCH in the legacy form (capitalized
 * ops, one path per attribute, booleans as "True"/"False") and in the aadOptscim062020 form
 * (lower-case ops, one path-less replace, members[value eq …] removal), group create and reads with
 * excludedAttributes=members, soft delete (active=false) and DELETE.
 */
describe('scim: Microsoft Entra ID provisioning flows', () => {
  // The tenant URL may carry ?aadOptscim062020; Entra then appends it to every request.
  const flag = 'aadOptscim062020';
  const entraUser = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
    externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
    userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.com',
    active: true,
    emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
    [ENT]: { department: 'Sales', employeeNumber: '1001' },
  };

  it('creates a user after a lookup, finds it by userName and externalId, and maps it to a principal', async () => {
    const h = await ScimHarness.start();
    const miss = await h.req('GET', `/Users?${flag}&filter=userName+eq+%22Test_User_dfeef4c5-5681-4387-b016-bdf221e82081%22`);
    assert.deepEqual(miss.body, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });
    const created = await h.req('POST', `/Users?${flag}`, entraUser);
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    assert.deepEqual(created.body.schemas, ['urn:ietf:params:scim:schemas:core:2.0:User', ENT]);
    assert.equal(created.body.roles, undefined, 'an empty list is unassigned');
    const byName = await h.req('GET', `/Users?filter=userName eq "${entraUser.userName.toUpperCase()}"`);
    assert.equal(byName.body.totalResults, 1, 'userName compares case-insensitively');
    assert.equal(byName.body.Resources[0].id, id);
    const byExt = await h.req('GET', `/Users?filter=externalId eq "${entraUser.externalId}"`);
    assert.equal(byExt.body.totalResults, 1);
    // Entra's lookup when the matching attribute is the work email.
    const byEmail = await h.req('GET', `/Users?filter=${encodeURIComponent(`emails[type eq "work"].value eq "${entraUser.emails[0]!.value.toUpperCase()}"`)}`);
    assert.equal(byEmail.body.totalResults, 1);
    assert.equal((await h.req('GET', `/Users?filter=${encodeURIComponent('emails[type eq "home"].value pr')}`)).body.totalResults, 0);
    const byEmail2 = await h.req('GET', `/Users?filter=${encodeURIComponent(`emails[type eq "work" and value eq "${entraUser.emails[0]!.value}"]`)}`);
    assert.equal(byEmail2.body.totalResults, 1);

    // Identifiers: the UPN as upn/email/login, the Entra object id, the employee number.
    const v = h.version();
    const pid = h.principalOf(entraUser.userName)!;
    assert.ok(pid);
    const data = JSON.parse(h.store.history.principalData(pid, v)!);
    const kinds = (data.identifiers as { kind: string; value: string }[]).map((i) => `${i.kind}:${i.value}`);
    for (const want of ['upn:', 'login:', 'objectId:', 'employeeId:1001', 'email:test_user_fd0ea19b']) assert.ok(kinds.some((k) => k.toLowerCase().startsWith(want.toLowerCase())), want);
    assert.equal(data.attributes.scim.department, 'Sales');
  });

  it('applies the legacy PATCH form (capitalized ops, "False" as a string, manager as a bare id)', async () => {
    const h = await ScimHarness.start();
    const id = (await h.req('POST', '/Users', entraUser)).body.id as string;
    const mgr = (await h.req('POST', '/Users', { ...entraUser, userName: 'boss@contoso.com', externalId: 'boss' })).body.id as string;
    const r = await h.req(
      'PATCH',
      `/Users/${id}`,
      patchBody(
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        { op: 'Add', path: 'title', value: 'Cardiologist' },
        { op: 'Replace', path: `${ENT}:department`, value: 'Cardiology' },
        { op: 'Add', path: `${ENT}:manager`, value: mgr },
        { op: 'Add', path: 'roles', value: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] },
      ),
    );
    assert.equal(r.status, 200);
    assert.equal(r.body.emails[0].value, 'updatedEmail@microsoft.com');
    assert.equal(r.body.name.familyName, 'updatedFamilyName');
    assert.deepEqual(r.body[ENT].manager, { value: mgr });
    assert.deepEqual(r.body.roles, [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }]);
    assert.deepEqual(h.rolesOf('updatedemail@microsoft.com'), ['clinician'], 'the department attribute rule grants the role');
    const off = await h.req('PATCH', `/Users/${id}`, patchBody({ op: 'Replace', path: 'active', value: 'False' }));
    assert.equal(off.body.active, false);
    const pid = h.principalOf(entraUser.userName)!;
    assert.equal(JSON.parse(h.store.history.principalData(pid, h.version())!).status, 'suspended');
    assert.deepEqual((await h.req('GET', `/Users/${id}`)).body, off.body);
  });

  it('applies the aadOptscim062020 PATCH form (one path-less replace with dotted, filtered and URN keys)', async () => {
    const h = await ScimHarness.start();
    const id = (await h.req('POST', `/Users?${flag}`, entraUser)).body.id as string;
    const r = await h.req(
      'PATCH',
      `/Users/${id}?${flag}`,
      patchBody({
        op: 'replace',
        value: {
          displayName: 'Pvlo',
          'emails[type eq "work"].value': 'TestBcwqnm@test.microsoft.com',
          'name.givenName': 'Gtfd',
          'name.familyName': 'Xzsr',
          externalId: 'Eqpj',
          [`${ENT}:employeeNumber`]: 'Swqvi',
        },
      }),
    );
    assert.equal(r.status, 200);
    assert.equal(r.body.displayName, 'Pvlo');
    assert.deepEqual(r.body.emails, [{ primary: true, type: 'work', value: 'TestBcwqnm@test.microsoft.com' }]);
    assert.deepEqual(r.body.name, { formatted: 'givenName familyName', familyName: 'Xzsr', givenName: 'Gtfd' });
    assert.equal(r.body.externalId, 'Eqpj');
    assert.deepEqual(r.body[ENT], { department: 'Sales', employeeNumber: 'Swqvi' });
    assert.ok(h.principalOf('Eqpj'), 'the new externalId is an identifier');
    assert.ok(h.principalOf('Swqvi'));
    const off = await h.req('PATCH', `/Users/${id}?${flag}`, patchBody({ op: 'replace', path: 'active', value: false }));
    assert.equal(off.body.active, false);
    // Hard delete after the soft-delete period.
    assert.equal((await h.req('DELETE', `/Users/${id}?${flag}`)).status, 204);
    assert.equal((await h.req('GET', `/Users/${id}`)).status, 404);
    assert.equal(h.principalOf('Eqpj'), undefined);
  });

  it('provisions groups: create, read without members, add and remove members in both forms, rename', async () => {
    const h = await ScimHarness.start();
    const a = (await h.req('POST', '/Users', entraUser)).body.id as string;
    const b = (await h.req('POST', '/Users', { ...entraUser, userName: 'b@contoso.com', externalId: 'b' })).body.id as string;
    const miss = await h.req('GET', `/Groups?excludedAttributes=members&filter=displayName eq "Engineering"`);
    assert.equal(miss.body.totalResults, 0);
    const g = await h.req('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Engineering',
      meta: { resourceType: 'Group' },
    });
    assert.equal(g.status, 201);
    assert.deepEqual(g.body.members, []);
    const gid = g.body.id as string;
    const read = await h.req('GET', `/Groups/${gid}?excludedAttributes=members`);
    assert.deepEqual(Object.keys(read.body).sort(), ['displayName', 'id', 'meta', 'schemas']);
    const byName = await h.req('GET', `/Groups?excludedAttributes=members&filter=displayName eq "Engineering"`);
    assert.equal(byName.body.totalResults, 1);
    assert.equal(byName.body.Resources[0].members, undefined);

    // Legacy form: Add/Remove with a value list ($ref null).
    assert.equal((await h.req('PATCH', `/Groups/${gid}`, patchBody({ op: 'Add', path: 'members', value: [{ $ref: null, value: a }, { $ref: null, value: b }] }))).status, 204);
    assert.deepEqual(h.rolesOf(entraUser.userName), ['engineer']);
    assert.equal((await h.req('PATCH', `/Groups/${gid}`, patchBody({ op: 'Remove', path: 'members', value: [{ $ref: null, value: a }] }))).status, 204);
    assert.deepEqual(h.rolesOf(entraUser.userName), []);
    assert.deepEqual(h.rolesOf('b@contoso.com'), ['engineer']);
    // aadOptscim062020 form: add with a list, remove with a value filter.
    assert.equal((await h.req('PATCH', `/Groups/${gid}?${flag}`, patchBody({ op: 'add', path: 'members', value: [{ value: a }] }))).status, 204);
    assert.equal((await h.req('PATCH', `/Groups/${gid}?${flag}`, patchBody({ op: 'remove', path: `members[value eq "${b}"]` }))).status, 204);
    assert.deepEqual((await h.req('GET', `/Groups/${gid}`)).body.members.map((m: { value: string }) => m.value), [a]);
    // A membership check Entra-style: filter on the group id and a member.
    const check = await h.req('GET', `/Groups?filter=${encodeURIComponent(`id eq "${gid}" and members[value eq "${a}"]`)}&excludedAttributes=members`);
    assert.equal(check.body.totalResults, 1);
    // Non-member attribute update answers 204; the group keeps its members.
    assert.equal((await h.req('PATCH', `/Groups/${gid}`, patchBody({ op: 'Replace', path: 'displayName', value: 'Everyone' }))).status, 204);
    assert.deepEqual(h.rolesOf(entraUser.userName), ['staff']);
    // With attributes asked for, PATCH answers 200 and the group.
    const withBody = await h.req('PATCH', `/Groups/${gid}?attributes=displayName`, patchBody({ op: 'replace', path: 'displayName', value: 'Engineering' }));
    assert.equal(withBody.status, 200);
    assert.deepEqual(withBody.body, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: gid, displayName: 'Engineering' });
    assert.equal((await h.req('DELETE', `/Groups/${gid}`)).status, 204);
    assert.deepEqual(h.rolesOf(entraUser.userName), []);
  });
});
