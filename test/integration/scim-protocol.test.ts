import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { groupBody, patchBody, ScimHarness, userBody } from '../support/scim-harness.js';
import { tempDir } from '../support/temp-dir.js';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function scimError(r: { status: number; body: unknown }, status: number, scimType?: string): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  const body = r.body as Record<string, unknown>;
  assert.deepEqual(body.schemas, [ERROR]);
  assert.equal(body.status, String(status));
  assert.equal(body.scimType, scimType);
  assert.equal(typeof body.detail, 'string');
}

describe('scim: protocol (RFC 7644)', () => {
  let h: ScimHarness;
  const ids: string[] = [];
  const path = join(tempDir('roster-scim-'), 'roster.db');
  after(() => h?.close());
  before(async () => {
    h = await ScimHarness.start({ options: { maxResults: 10 }, path, autoClose: false });
    for (let i = 0; i < 25; i++) {
      const dept = i % 5 === 0 ? 'Cardiology' : 'Sales';
      const r = await h.req('POST', '/Users', userBody(`user${String(i).padStart(2, '0')}@example.com`, { title: i % 2 ? 'odd' : 'even', [ENT]: { department: dept } }));
      ids.push(r.body.id);
    }
  });

  it('serves ServiceProviderConfig, ResourceTypes and Schemas; a filter there is 403', async () => {
    const spc = await h.req('GET', '/ServiceProviderConfig');
    assert.equal(spc.status, 200);
    assert.deepEqual(spc.body.patch, { supported: true });
    assert.deepEqual(spc.body.filter, { supported: true, maxResults: 10 });
    assert.equal(spc.body.bulk.supported, false);
    assert.equal(spc.body.authenticationSchemes[0].type, 'oauthbearertoken');
    const types = await h.req('GET', '/ResourceTypes');
    assert.deepEqual(types.body.Resources.map((t: { id: string }) => t.id), ['User', 'Group']);
    assert.deepEqual((await h.req('GET', '/ResourceTypes/User')).body.schemaExtensions, [{ schema: ENT, required: false }]);
    const schemas = await h.req('GET', '/Schemas');
    assert.equal(schemas.body.totalResults, 3);
    const user = await h.req('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    const userName = user.body.attributes.find((a: { name: string }) => a.name === 'userName');
    assert.deepEqual([userName.required, userName.caseExact, userName.uniqueness], [true, false, 'server']);
    scimError(await h.req('GET', '/Schemas/urn:nope'), 404);
    scimError(await h.req('GET', '/ResourceTypes?filter=id eq "User"'), 403);
  });

  it('pages in a stable order: startIndex/count, totalResults, itemsPerPage; count is capped at maxResults', async () => {
    const seen: string[] = [];
    for (let start = 1; start <= 25; start += 10) {
      const r = await h.req('GET', `/Users?startIndex=${start}&count=10`);
      assert.equal(r.body.totalResults, 25);
      assert.equal(r.body.startIndex, start);
      assert.equal(r.body.itemsPerPage, r.body.Resources.length);
      seen.push(...r.body.Resources.map((u: { id: string }) => u.id));
    }
    assert.deepEqual(seen, ids, 'creation order, each user once');
    assert.equal((await h.req('GET', '/Users?count=500')).body.Resources.length, 10);
    const zero = await h.req('GET', '/Users?count=0');
    assert.deepEqual([zero.body.totalResults, zero.body.Resources.length], [25, 0]);
    const low = await h.req('GET', '/Users?startIndex=-3&count=1');
    assert.deepEqual([low.body.startIndex, low.body.Resources[0].id], [1, ids[0]]);
    assert.equal((await h.req('GET', '/Users?startIndex=99')).body.Resources.length, 0);
    scimError(await h.req('GET', '/Users?startIndex=abc'), 400, 'invalidValue');
  });

  it('filters over HTTP with paging applied after the filter', async () => {
    const f = async (filter: string, extra = '') => (await h.req('GET', `/Users?filter=${encodeURIComponent(filter)}${extra}`)).body;
    assert.equal((await f('title eq "odd"')).totalResults, 12);
    assert.equal((await f(`${ENT}:department eq "cardiology" and title eq "even"`)).totalResults, 3);
    assert.equal((await f('userName sw "USER1" or userName ew "24@example.com"')).totalResults, 11);
    assert.equal((await f('not (title eq "odd") and emails[type eq "work" and value co "user0"]')).totalResults, 5);
    const page = await f('title eq "odd"', '&startIndex=11&count=5');
    assert.deepEqual([page.totalResults, page.Resources.length], [12, 2]);
    assert.equal((await f(`meta.created ge "2000-01-01T00:00:00Z"`)).totalResults, 25);
    scimError(await h.req('GET', `/Users?filter=${encodeURIComponent('userName eq')}`), 400, 'invalidFilter');
    scimError(await h.req('GET', `/Users?filter=${encodeURIComponent('active gt true')}`), 400, 'invalidFilter');
    scimError(await h.req('GET', `/Users?filter=${encodeURIComponent('userName eq "x" ) or (')}`), 400, 'invalidFilter');
  });

  it('POST /Users/.search takes the same parameters in a SearchRequest', async () => {
    const r = await h.req('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'title eq "odd"',
      attributes: ['userName'],
      startIndex: 1,
      count: 3,
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.totalResults, 12);
    assert.deepEqual(Object.keys(r.body.Resources[0]).sort(), ['id', 'schemas', 'userName']);
  });

  it('attributes and excludedAttributes project the answer; id and schemas always stay', async () => {
    const id = ids[0]!;
    const some = await h.req('GET', `/Users/${id}?attributes=userName,name.givenName,emails.value,${ENT}:department`);
    assert.deepEqual(some.body, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
      id,
      userName: 'user00@example.com',
      name: { givenName: 'user00' },
      emails: [{ value: 'user00@example.com' }],
      [ENT]: { department: 'Cardiology' },
    });
    const less = await h.req('GET', `/Users/${id}?excludedAttributes=emails,meta,id,name.familyName`);
    assert.equal(less.body.emails, undefined);
    assert.equal(less.body.meta, undefined);
    assert.equal(less.body.id, id, 'id is returned always');
    assert.deepEqual(less.body.name, { givenName: 'user00' });
    const list = await h.req('GET', '/Users?attributes=USERNAME&count=1');
    assert.deepEqual(Object.keys(list.body.Resources[0]).sort(), ['id', 'schemas', 'userName']);
  });

  it('409 uniqueness for a duplicate userName in any case, on create and on rename', async () => {
    scimError(await h.req('POST', '/Users', userBody('USER03@EXAMPLE.COM')), 409, 'uniqueness');
    scimError(await h.req('PATCH', `/Users/${ids[1]}`, patchBody({ op: 'replace', path: 'userName', value: 'User03@example.com' })), 409, 'uniqueness');
    // Renaming to itself in another case is allowed.
    const r = await h.req('PATCH', `/Users/${ids[3]}`, patchBody({ op: 'replace', path: 'userName', value: 'User03@Example.com' }));
    assert.equal(r.status, 200);
    assert.equal((await h.req('GET', `/Users?filter=userName eq "user03@example.com"`)).body.Resources[0].userName, 'User03@Example.com');
  });

  it('PUT replaces everything but id and created; an unchanged PUT makes no version', async () => {
    const id = ids[4]!;
    const before = (await h.req('GET', `/Users/${id}`)).body;
    const put = await h.req('PUT', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'user04@example.com', id: 'ignored', nickName: 'Four' });
    assert.equal(put.status, 200);
    assert.equal(put.body.id, id);
    assert.equal(put.body.meta.created, before.meta.created);
    assert.equal(put.body.emails, undefined, 'left out of the PUT: cleared');
    assert.equal(put.body.title, undefined);
    const v = h.version();
    const again = await h.req('PUT', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'user04@example.com', nickName: 'Four' });
    assert.equal(again.status, 200);
    assert.equal(h.version(), v);
    assert.deepEqual(again.body, put.body);
  });

  it('answers 404, 405 and 501 with SCIM error bodies', async () => {
    const nope = '01900000-0000-7000-8000-000000000000';
    scimError(await h.req('GET', `/Users/${nope}`), 404);
    scimError(await h.req('PUT', `/Users/${nope}`, userBody('x@example.com')), 404);
    scimError(await h.req('PATCH', `/Users/${nope}`, patchBody({ op: 'replace', value: { active: false } })), 404);
    scimError(await h.req('DELETE', `/Users/${nope}`), 404);
    scimError(await h.req('GET', `/Groups/${nope}`), 404);
    scimError(await h.req('PATCH', `/Groups/${nope}`, patchBody({ op: 'add', path: 'members', value: [{ value: ids[0] }] })), 404);
    scimError(await h.req('DELETE', '/Users'), 405);
    scimError(await h.req('POST', `/Users/${ids[0]}`, userBody('y@example.com')), 405);
    scimError(await h.req('POST', '/Bulk', {}), 501);
    scimError(await h.req('GET', '/Widgets'), 404);
    scimError(await h.req('GET', '/Users/a/b'), 404);
    const outside = await fetch(h.base.replace('/scim/v2', '/other'), { headers: { authorization: 'Bearer x' } });
    assert.equal(outside.status, 404);
  });

  it('accepts application/json, rejects other content types with 415', async () => {
    const r = await h.req('POST', '/Users', userBody('json@example.com'), { 'content-type': 'application/json; charset=utf-8' });
    assert.equal(r.status, 201);
    scimError(await h.req('POST', '/Users', JSON.stringify(userBody('text@example.com')), { 'content-type': 'text/plain' }), 415);
    scimError(await h.req('POST', '/Users', 'userName=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
  });

  it('groups: nested groups, unknown members skipped (and logged) while the rest applies, PUT replaces members', async () => {
    const inner = (await h.req('POST', '/Groups', groupBody('Engineering', [ids[5]!]))).body.id as string;
    const outer = await h.req('POST', '/Groups', groupBody('Everyone', [inner, '01900000-dead-7000-8000-000000000000', ids[6]!]));
    assert.equal(outer.status, 201);
    assert.deepEqual(outer.body.members.map((m: { value: string; type: string }) => `${m.type}:${m.value}`).sort(), [`Group:${inner}`, `User:${ids[6]}`].sort());
    assert.deepEqual(h.rolesOf('user05@example.com'), ['clinician', 'engineer', 'staff'], 'nested: Engineering is in Everyone');
    const oid = outer.body.id as string;
    const r = await h.req(
      'PATCH',
      `/Groups/${oid}`,
      patchBody({ op: 'add', path: 'members', value: [{ value: 'no-such-user' }, { value: ids[7] }] }, { op: 'remove', path: 'members[value eq "also-unknown"]' }),
    );
    assert.equal(r.status, 204);
    assert.deepEqual(h.rolesOf('user07@example.com'), ['staff']);
    assert.ok(h.logs.some((l) => l.level === 'warn' && JSON.stringify(l.obj).includes('no-such-user')));
    const put = await h.req('PUT', `/Groups/${oid}`, groupBody('Everyone', [ids[8]!]));
    assert.deepEqual(put.body.members.map((m: { value: string }) => m.value), [ids[8]]);
    assert.deepEqual(h.rolesOf('user07@example.com'), []);
    assert.deepEqual(h.rolesOf('user05@example.com'), ['clinician', 'engineer']);
    const list = await h.req('GET', `/Groups?filter=${encodeURIComponent(`members[value eq "${ids[8]}"]`)}`);
    assert.deepEqual(list.body.Resources.map((g: { id: string }) => g.id), [oid]);
    // Deleting a user removes it from its groups.
    await h.req('DELETE', `/Users/${ids[8]}`);
    assert.deepEqual((await h.req('GET', `/Groups/${oid}`)).body.members, []);
  });

  it('attribute rules see the flattened enterprise attributes', async () => {
    assert.deepEqual(h.rolesOf('user10@example.com'), ['clinician']);
    await h.req('PATCH', `/Users/${ids[10]}`, patchBody({ op: 'replace', path: `${ENT}:department`, value: 'Sales' }));
    assert.deepEqual(h.rolesOf('user10@example.com'), []);
  });
});
