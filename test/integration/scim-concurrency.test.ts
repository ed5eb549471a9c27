import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupBody, patchBody, ScimHarness, userBody } from '../support/scim-harness.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

async function users(h: ScimHarness, n: number, prefix = 'u'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await h.req('POST', '/Users', userBody(`${prefix}${i}@example.com`))).body.id);
  return ids;
}

const memberIds = async (h: ScimHarness, gid: string): Promise<string[]> =>
  (await h.req('GET', `/Groups/${gid}`)).body.members.map((m: { value: string }) => m.value).sort();

describe('scim: concurrency', () => {
  it('50 concurrent member-add PATCHes to one group: every member lands, in fewer versions', async () => {
    const h = await ScimHarness.start();
    const ids = await users(h, 50);
    const gid = (await h.req('POST', '/Groups', groupBody('Engineering'))).body.id as string;
    const v0 = h.version();
    const results = await Promise.all(ids.map((id) => h.req('PATCH', `/Groups/${gid}`, patchBody({ op: 'add', path: 'members', value: [{ value: id }] }))));
    assert.deepEqual(new Set(results.map((r) => r.status)), new Set([204]));
    assert.deepEqual(await memberIds(h, gid), [...ids].sort());
    const versions = h.version() - v0;
    assert.ok(versions >= 1 && versions < 50, `coalesced into ${versions} versions`);
    for (let i = 0; i < 50; i++) assert.deepEqual(h.rolesOf(`u${i}@example.com`), ['engineer']);
  });

  it('concurrent adds and removes on one group, in both Entra forms, lose no update', async () => {
    const h = await ScimHarness.start();
    const ids = await users(h, 60);
    const [keep, drop, add] = [ids.slice(0, 20), ids.slice(20, 40), ids.slice(40)];
    const gid = (await h.req('POST', '/Groups', groupBody('Everyone', [...keep, ...drop]))).body.id as string;
    await Promise.all([
      ...drop.map((id, i) =>
        h.req('PATCH', `/Groups/${gid}`, i % 2 ? patchBody({ op: 'remove', path: `members[value eq "${id}"]` }) : patchBody({ op: 'Remove', path: 'members', value: [{ value: id }] })),
      ),
      ...add.map((id, i) => h.req('PATCH', `/Groups/${gid}`, patchBody({ op: i % 2 ? 'add' : 'Add', path: 'members', value: [{ value: id }] }))),
      // A rename racing the member PATCHes does not disturb them.
      h.req('PATCH', `/Groups/${gid}`, patchBody({ op: 'replace', path: 'displayName', value: 'All Staff' })),
    ]);
    assert.deepEqual(await memberIds(h, gid), [...keep, ...add].sort());
    assert.equal((await h.req('GET', `/Groups/${gid}`)).body.displayName, 'All Staff');
  });

  it('concurrent PATCHes to one user are applied one after the other, none from a stale base', async () => {
    const h = await ScimHarness.start();
    const [id] = await users(h, 1);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h.req('PATCH', `/Users/${id}`, patchBody({ op: 'add', path: 'emails', value: [{ value: `alias${i}@example.com`, type: 'other' }] }))),
    );
    assert.ok(results.every((r) => r.status === 200));
    const emails = (await h.req('GET', `/Users/${id}`)).body.emails.map((e: { value: string }) => e.value);
    assert.equal(emails.length, 21);
    for (let i = 0; i < 20; i++) assert.ok(emails.includes(`alias${i}@example.com`));
    assert.ok(h.principalOf('alias7@example.com'));
  });

  it('concurrent creates of one userName: exactly one wins, the others get 409', async () => {
    const h = await ScimHarness.start();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => h.req('POST', '/Users', userBody(i % 2 ? 'Same@Example.com' : 'same@example.com'))));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    assert.equal(h.applier.view('scim').accounts.size, 1);
    // A rename racing a create of the same name: one of them gets the name.
    const [a] = await users(h, 1, 'other');
    const [r1, r2] = await Promise.all([
      h.req('PATCH', `/Users/${a}`, patchBody({ op: 'replace', path: 'userName', value: 'contested@example.com' })),
      h.req('POST', '/Users', userBody('contested@example.com')),
    ]);
    const s = [r1!.status, r2!.status];
    assert.ok((s[0] === 200 && s[1] === 409) || (s[0] === 409 && s[1] === 201), String(s));
    assert.equal((await h.req('GET', '/Users?filter=userName eq "contested@example.com"')).body.totalResults, 1);
  });

  it('a group DELETE racing member PATCHes leaves no group behind', async () => {
    const h = await ScimHarness.start();
    const ids = await users(h, 10);
    const gid = (await h.req('POST', '/Groups', groupBody('Engineering'))).body.id as string;
    const all = await Promise.all([
      ...ids.slice(0, 5).map((id) => h.req('PATCH', `/Groups/${gid}`, patchBody({ op: 'add', path: 'members', value: [{ value: id }] }))),
      h.req('DELETE', `/Groups/${gid}`),
      ...ids.slice(5).map((id) => h.req('PATCH', `/Groups/${gid}`, patchBody({ op: 'add', path: 'members', value: [{ value: id }] }))),
    ]);
    // Each PATCH ran wholly before the DELETE (204) or after it (404); none re-created the group.
    assert.ok(all.every((r) => r.status === 204 || r.status === 404));
    assert.equal(all[5]!.status, 204);
    assert.equal(h.applier.view('scim').groups.size, 0);
    assert.equal(h.applier.view('scim').members(gid).length, 0);
    for (let i = 0; i < 10; i++) assert.deepEqual(h.rolesOf(`u${i}@example.com`), []);
  });
});

describe('scim: restart', () => {
  it('after a restart on the same store, reads return exactly what was stored and writes go on', async () => {
    const h = await ScimHarness.start({ options: { publicUrl: 'https://scim.example.test/scim/v2' } });
    const ids = await users(h, 5);
    await h.req('PATCH', `/Users/${ids[0]}`, patchBody({ op: 'replace', value: { active: false, [`${ENT}:department`]: 'Cardiology' } }));
    await h.req('PATCH', `/Users/${ids[1]}`, patchBody({ op: 'add', path: 'urn:ietf:params:scim:schemas:extension:Custom:2.0:User', value: { badge: '7' } }));
    const eng = (await h.req('POST', '/Groups', groupBody('Engineering', ids.slice(0, 3)))).body.id as string;
    await h.req('POST', '/Groups', groupBody('Everyone', [eng, ids[4]!]));
    const snapshot = async () => ({
      users: (await h.req('GET', '/Users')).body,
      groups: (await h.req('GET', '/Groups')).body,
      one: await Promise.all(ids.map(async (id) => (await h.req('GET', `/Users/${id}`)).body)),
      roles: ids.map((_, i) => h.rolesOf(`u${i}@example.com`)),
    });
    const before = await snapshot();
    const version = h.version();
    await h.restart();
    assert.deepEqual(await snapshot(), before);
    assert.equal(h.version(), version, 'reopening writes nothing');
    assert.deepEqual(before.roles[0], ['clinician', 'engineer', 'staff']);
    // Uniqueness and order survive the restart; new users sort after the old ones.
    assert.equal((await h.req('POST', '/Users', userBody('U3@EXAMPLE.COM'))).status, 409);
    const late = (await h.req('POST', '/Users', userBody('late@example.com'))).body.id as string;
    const all = (await h.req('GET', '/Users')).body.Resources.map((u: { id: string }) => u.id);
    assert.deepEqual(all, [...ids, late]);
    assert.equal((await h.req('PATCH', `/Groups/${eng}`, patchBody({ op: 'add', path: 'members', value: [{ value: late }] }))).status, 204);
    assert.deepEqual(h.rolesOf('late@example.com'), ['engineer', 'staff']);
  });
});
