import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patchBody, ScimHarness } from '../support/scim-harness.js';

/**
 * Request sequences as Okta sends them (Okta's "SCIM 2.0 protocol reference" and its provisioning
 * flows): connection test, lookup by userName before create, create with password and Okta's own
 * id as externalId, profile push with PUT, deactivation by PATCH (Okta never DELETEs users),
 * password sync, Group Push (create, member PATCHes, whole-list replace, rename with membership).
 */
describe('scim: Okta provisioning flows', () => {
  const q = (userName: string, count = 100) => `/Users?filter=userName%20eq%20%22${encodeURIComponent(userName)}%22&startIndex=1&count=${count}`;
  const oktaUser = (userName: string, given: string, oktaId: string) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: given, familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${given} User`,
    locale: 'en-US',
    externalId: oktaId,
    groups: [],
    password: '1mz050nq',
    active: true,
  });

  it('connection test and import reads answer empty lists', async () => {
    const h = await ScimHarness.start({ options: { identifiers: { externalId: 'oktaId' } } });
    const test = await h.req('GET', q('test.user@okta.local', 1));
    assert.equal(test.status, 200);
    assert.match(test.headers.get('content-type') ?? '', /^application\/scim\+json/);
    assert.deepEqual(test.body, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });
    assert.equal((await h.req('GET', '/Users?startIndex=1&count=2')).body.totalResults, 0);
    assert.equal((await h.req('GET', '/Groups?startIndex=1&count=100')).body.totalResults, 0);
    assert.equal(h.version(), 0, 'reads create no version');
  });

  it('creates, reads back, updates, deactivates and reactivates a user; the role state follows', async () => {
    const h = await ScimHarness.start({ options: { identifiers: { externalId: 'oktaId' } } });
    assert.equal((await h.req('GET', q('test.user@okta.local'))).body.totalResults, 0);
    const created = await h.req('POST', '/Users', oktaUser('test.user@okta.local', 'Test', '00ujl29u0le5T6Aj10h7'));
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(created.headers.get('location'), `${h.base}/Users/${id}`);
    assert.equal(created.body.password, undefined, 'the password is never stored nor returned');
    assert.equal(created.text.includes('1mz050nq'), false);
    assert.equal(created.body.externalId, '00ujl29u0le5T6Aj10h7');
    assert.equal(created.body.meta.resourceType, 'User');
    assert.equal(created.body.groups, undefined, 'groups is read-only: what Okta sent is not kept');

    // Read-your-writes: the lookup Okta does next finds it; GET returns exactly what was created.
    const found = await h.req('GET', q('test.user@okta.local'));
    assert.equal(found.body.totalResults, 1);
    assert.deepEqual(found.body.Resources[0], created.body);
    assert.deepEqual((await h.req('GET', `/Users/${id}`)).body, created.body);

    // The role state: one account, found by login, email, UPN and Okta id; active.
    const v1 = h.version();
    const pid = h.principalOf('test.user@okta.local')!;
    assert.ok(pid);
    assert.equal(h.store.history.principalsForSubject('00ujl29u0le5T6Aj10h7', v1)[0], pid);
    assert.equal(JSON.parse(h.store.history.principalData(pid, v1)!).status, 'active');

    // Profile push: Okta PUTs the whole user (with id); read-only fields are ignored.
    const put = await h.req('PUT', `/Users/${id}`, { ...oktaUser('test.user@okta.local', 'Tess', '00ujl29u0le5T6Aj10h7'), id, title: 'Engineer' });
    assert.equal(put.status, 200);
    assert.equal(put.body.name.givenName, 'Tess');
    assert.equal(put.body.meta.created, created.body.meta.created);
    assert.ok(h.version() > v1);

    // Deactivation: PATCH replace active=false; the principal is suspended, roles kept for history.
    const off = await h.req('PATCH', `/Users/${id}`, patchBody({ op: 'replace', value: { active: false } }));
    assert.equal(off.status, 200);
    assert.equal(off.body.active, false);
    const v2 = h.version();
    assert.equal(JSON.parse(h.store.history.principalData(pid, v2)!).status, 'suspended');
    assert.equal(h.store.history.principalsForSubject('test.user@okta.local', v2)[0], pid, 'Okta never deletes: the user stays');

    // Password sync is accepted and not stored; an unchanged PATCH creates no version.
    const pw = await h.req('PATCH', `/Users/${id}`, patchBody({ op: 'replace', value: { password: 't1meMa$heen' } }));
    assert.equal(pw.status, 200);
    assert.equal(h.version(), v2);
    assert.equal(JSON.stringify(h.applier.view('scim').accounts.get(id)).includes('t1meMa$heen'), false);

    const on = await h.req('PATCH', `/Users/${id}`, patchBody({ op: 'replace', value: { active: true } }));
    assert.equal(on.body.active, true);
    assert.equal(JSON.parse(h.store.history.principalData(pid, h.version())!).status, 'active');
  });

  it('Group Push: create, add and remove members, replace the whole list, empty it, rename with membership', async () => {
    const h = await ScimHarness.start();
    const ids: string[] = [];
    for (const [i, n] of ['ann', 'ben', 'cid'].entries()) {
      ids.push((await h.req('POST', '/Users', oktaUser(`${n}@okta.local`, n, `00u${i}`))).body.id);
    }
    const [ann, ben, cid] = ids as [string, string, string];
    const g = await h.req('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Engineering', members: [] });
    assert.equal(g.status, 201);
    assert.deepEqual(g.body.members, []);
    const gid = g.body.id as string;
    assert.equal((await h.req('GET', `/Groups?filter=displayName%20eq%20%22Engineering%22&startIndex=1&count=100`)).body.totalResults, 1);

    // Okta's membership PATCH: remove by value filter, add with display.
    let r = await h.req('PATCH', `/Groups/${gid}`, patchBody({ op: 'add', path: 'members', value: [{ value: ann, display: 'ann@okta.local' }, { value: ben, display: 'ben@okta.local' }] }));
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.deepEqual(h.rolesOf('ann@okta.local'), ['engineer']);
    assert.deepEqual(h.rolesOf('ben@okta.local'), ['engineer']);
    r = await h.req('PATCH', `/Groups/${gid}`, patchBody({ op: 'remove', path: `members[value eq "${ann}"]` }, { op: 'add', path: 'members', value: [{ value: cid, display: 'cid@okta.local' }] }));
    assert.equal(r.status, 204);
    assert.deepEqual(h.rolesOf('ann@okta.local'), []);
    assert.deepEqual(h.rolesOf('cid@okta.local'), ['engineer']);
    const members = (await h.req('GET', `/Groups/${gid}`)).body.members.map((m: { value: string }) => m.value).sort();
    assert.deepEqual(members, [ben, cid].sort());

    // Group Push of the whole list (replace), then of an empty list.
    await h.req('PATCH', `/Groups/${gid}`, patchBody({ op: 'replace', path: 'members', value: [{ value: ann }] }));
    assert.deepEqual((await h.req('GET', `/Groups/${gid}`)).body.members.map((m: { value: string }) => m.value), [ann]);
    assert.deepEqual(h.rolesOf('ben@okta.local'), []);
    await h.req('PATCH', `/Groups/${gid}`, patchBody({ op: 'replace', path: 'members', value: [] }));
    assert.deepEqual((await h.req('GET', `/Groups/${gid}`)).body.members, []);
    assert.deepEqual(h.rolesOf('ann@okta.local'), []);

    // Rename together with membership (Okta sends id and displayName in the value).
    const v = h.version();
    r = await h.req('PATCH', `/Groups/${gid}`, patchBody({ op: 'replace', value: { id: gid, displayName: 'Everyone', members: [{ value: ben }, { value: cid }] } }));
    assert.equal(r.status, 204);
    assert.equal(h.version(), v + 1, 'one PATCH, one version');
    const after = (await h.req('GET', `/Groups/${gid}`)).body;
    assert.equal(after.displayName, 'Everyone');
    assert.deepEqual(h.rolesOf('ben@okta.local'), ['staff']);
    assert.deepEqual(h.rolesOf('cid@okta.local'), ['staff']);

    // Okta also pushes whole groups with PUT.
    const put = await h.req('PUT', `/Groups/${gid}`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: gid, displayName: 'Engineering', members: [{ value: ann }] });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.members.map((m: { value: string }) => m.value), [ann]);
    assert.deepEqual(h.rolesOf('ann@okta.local'), ['engineer']);
    assert.deepEqual(h.rolesOf('cid@okta.local'), []);

    // The user shows its group (read-only `groups`).
    const annRead = (await h.req('GET', `/Users/${ann}`)).body;
    assert.deepEqual(annRead.groups, [{ value: gid, $ref: `${h.base}/Groups/${gid}`, display: 'Engineering', type: 'direct' }]);

    // Unlinking the group in Okta deletes it.
    assert.equal((await h.req('DELETE', `/Groups/${gid}`)).status, 204);
    assert.equal((await h.req('GET', `/Groups/${gid}`)).status, 404);
    assert.deepEqual(h.rolesOf('ann@okta.local'), []);
  });
});
