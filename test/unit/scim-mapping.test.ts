import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authenticate, sha256 } from '../../connectors/scim/bearer-auth.js';
import { uuidv7 } from '../../connectors/scim/ids.js';
import { KeyedLock } from '../../connectors/scim/keyed-lock.js';
import { parseProjection, project } from '../../connectors/scim/projection.js';
import { RateLimiter } from '../../connectors/scim/rate-limiter.js';
import { checkDepth } from '../../connectors/scim/request-body.js';
import { USER_KIND } from '../../connectors/scim/resource-kind.js';
import { ScimError } from '../../connectors/scim/scim-error.js';
import { normalizeUser } from '../../connectors/scim/user-input.js';
import { RESOURCE_ATTRIBUTE, StoredUsers, userToAccount, type MappingOptions } from '../../connectors/scim/user-mapping.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const opts: MappingOptions = { externalIdKind: 'objectId', userNameKinds: ['login', 'email', 'upn'], emailsVerified: false };

describe('scim user -> account mapping', () => {
  const resource = {
    ...normalizeUser(
      {
        schemas: [CORE, ENT],
        userName: 'Alice@Contoso.com',
        externalId: '6a1f-object-id',
        active: false,
        name: { givenName: 'Alice', familyName: 'Chen' },
        emails: [{ value: 'alice.chen@contoso.com', type: 'work' }],
        title: 'Cardiologist',
        [ENT]: { employeeNumber: 'E42', department: 'Cardiology', manager: { value: 'mgr-1' }, costCenter: ' ' },
      },
      { requireSchemas: true },
    ),
    id: '0190-id',
    meta: { resourceType: 'User', created: '2026-01-01T00:00:00.000Z', lastModified: '2026-01-01T00:00:00.000Z' },
  };

  it('uses the assigned id as externalId and publishes userName, emails, the IdP id and employeeNumber', () => {
    const a = userToAccount(resource, opts);
    assert.equal(a.externalId, '0190-id');
    assert.equal(a.status, 'suspended');
    assert.equal(a.kind, 'human');
    assert.equal(a.displayName, 'Alice Chen');
    assert.deepEqual(
      a.identifiers.map((i) => `${i.kind}:${i.value}${i.verified ? '!' : ''}`),
      ['login:Alice@Contoso.com', 'email:Alice@Contoso.com', 'upn:Alice@Contoso.com', 'email:alice.chen@contoso.com', 'objectId:6a1f-object-id', 'employeeId:E42'],
    );
    assert.deepEqual({ ...a.attributes, [RESOURCE_ATTRIBUTE]: undefined }, {
      [RESOURCE_ATTRIBUTE]: undefined,
      title: 'Cardiologist',
      employeeNumber: 'E42',
      department: 'Cardiology',
      manager: 'mgr-1',
    });
    assert.deepEqual(JSON.parse(a.attributes[RESOURCE_ATTRIBUTE] as string), resource);
  });

  it('follows the identifier options', () => {
    const a = userToAccount({ ...resource, userName: 'alice' }, { externalIdKind: 'none', userNameKinds: ['login', 'email'], emailsVerified: true });
    assert.deepEqual(
      a.identifiers.map((i) => `${i.kind}:${i.value}${i.verified ? '!' : ''}`),
      ['login:alice', 'email:alice.chen@contoso.com!', 'employeeId:E42'],
    );
  });

  it('reads the stored resource back once per account object', () => {
    const stored = new StoredUsers();
    const a = userToAccount(resource, opts);
    assert.equal(stored.resourceOf(a), stored.resourceOf(a));
    assert.deepEqual(stored.resourceOf(a), resource);
    assert.equal(stored.resourceOf({ ...a, attributes: { [RESOURCE_ATTRIBUTE]: '{bad' } }), undefined);
  });
});

describe('scim building blocks', () => {
  it('KeyedLock: shared holders run together, an exclusive one waits for them and blocks later ones', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const gate = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const job = (name: string, ms: number) => async () => {
      log.push(`+${name}`);
      await gate(ms);
      log.push(`-${name}`);
    };
    await Promise.all([
      lock.shared('g', job('r1', 20)),
      lock.shared('g', job('r2', 10)),
      lock.exclusive('g', job('w', 5)),
      lock.shared('g', job('r3', 1)),
      lock.exclusive('other', job('x', 1)),
    ]);
    const at = (s: string) => log.indexOf(s);
    assert.ok(at('+r2') < at('-r1'), 'readers overlap');
    assert.ok(at('+w') > at('-r1') && at('+w') > at('-r2'), 'the writer waits for the readers');
    assert.ok(at('+r3') > at('-w'), 'a later reader waits for the queued writer');
    assert.ok(at('+x') < at('-r1'), 'other keys are independent');
    assert.equal(lock.size, 0);
    await assert.rejects(lock.exclusive('g', async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(lock.size, 0, 'released after a failure');
  });

  it('RateLimiter: burst, refill, and a wait in whole seconds', () => {
    let now = 0;
    const rl = new RateLimiter(2, 3, () => now);
    assert.deepEqual([rl.take('a'), rl.take('a'), rl.take('a')], [0, 0, 0]);
    assert.equal(rl.take('a'), 1);
    assert.equal(rl.take('b'), 0, 'per key');
    now += 500;
    assert.equal(rl.take('a'), 0);
  });

  it('authenticate: constant-time match against every hash, 401 otherwise', () => {
    const tokens = [
      { name: 'a', hash: sha256('alpha') },
      { name: 'b', hash: sha256('beta') },
    ];
    assert.equal(authenticate('Bearer beta', tokens), 'b');
    assert.equal(authenticate('bearer   alpha  ', tokens), 'a');
    for (const h of [undefined, '', 'Bearer', 'Bearer  ', 'Basic YTpi', 'Bearer gamma', 'Bearer alpha beta']) {
      assert.throws(() => authenticate(h, tokens), (e: unknown) => e instanceof ScimError && e.status === 401);
    }
  });

  it('checkDepth: counts brackets outside strings only', () => {
    checkDepth(`{"a":"${'['.repeat(100)}"}`);
    checkDepth('[[["\\"[[[["]]]');
    assert.throws(() => checkDepth('['.repeat(33)), (e: unknown) => e instanceof ScimError && e.scimType === 'invalidSyntax');
  });

  it('uuidv7: version 7, variant 10, sorted by time', () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(a < b);
  });

  it('projection: include keeps id and schemas; exclude cannot drop id', () => {
    const r = { schemas: [CORE], id: '1', userName: 'u', emails: [{ value: 'e', type: 'work' }], [ENT]: { department: 'D', division: 'X' } };
    assert.deepEqual(project(r, parseProjection(USER_KIND, 'emails.type,department', undefined), USER_KIND), { schemas: [CORE], id: '1', emails: [{ type: 'work' }], [ENT]: { department: 'D' } });
    assert.deepEqual(project(r, parseProjection(USER_KIND, undefined, `id,userName,${ENT}:division`), USER_KIND), { schemas: [CORE], id: '1', emails: r.emails, [ENT]: { department: 'D' } });
    assert.deepEqual(r[ENT], { department: 'D', division: 'X' }, 'the source is not changed');
    assert.deepEqual(project(r, parseProjection(USER_KIND, ENT, undefined), USER_KIND), { schemas: [CORE], id: '1', [ENT]: r[ENT] });
    assert.throws(() => parseProjection(USER_KIND, 'bad name', undefined), (e: unknown) => e instanceof ScimError && e.scimType === 'invalidValue');
  });
});
