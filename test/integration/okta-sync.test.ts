/**
 * The `okta` connector against the fake Okta org (test/fakes/okta), through the real SDK and a
 * real applier: a full sync (every status, paged, BUILT_IN left out, roles from groups and
 * profile attributes), then incremental runs for add / update / remove / deactivate / delete /
 * membership changes, with and without the System Log.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { decodeCursor } from '../../connectors/okta/index.js';
import { flatten, oktaConnector, secretsDir, syncAndApply } from '../fakes/okta/harness.js';
import { fakeOptions, OKTA_ROLES, rolesOf, smallOrg, SOURCE, statusOf, storedCursor } from '../fakes/okta/scenario.js';
import { testApplier } from '../support/test-applier.js';

const dir = secretsDir();
const fakes: { stop(): Promise<void> }[] = [];
after(async () => {
  for (const f of fakes) await f.stop();
});

/** Lets Okta's clock move on, so changes made now are after the cursor's watermark. */
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('okta connector: full sync', { timeout: 30_000 }, () => {
  it('reads users of every status, groups and members, page by page, with a trailing slash in the org URL', async () => {
    const org = await smallOrg();
    fakes.push(org.fake);
    const t = testApplier(OKTA_ROLES);
    const { connector, log } = oktaConnector(SOURCE, fakeOptions(org.fake), dir);
    const { run, result, batches, progress } = await syncAndApply(connector, t.applier, t.store, { mode: 'full', collect: true });
    assert.equal(run.kind, 'full');
    const all = flatten(batches);

    assert.equal(all.accounts.length, 6 + org.bulk.length, 'every status, DEPROVISIONED included');
    const byLogin = new Map(all.accounts.map((a) => [a.identifiers.find((i) => i.kind === 'login')!.value, a]));
    const alice = byLogin.get('alice@example.com')!;
    assert.equal(alice.externalId, org.ids.alice);
    assert.deepEqual(
      alice.identifiers.map((i) => `${i.kind}=${i.value}${i.verified ? '✓' : ''}`).sort(),
      [`email=alice@example.com✓`, `login=alice@example.com✓`, `oktaId=${org.ids.alice}✓`],
    );
    assert.equal(alice.attributes.department, 'Cardiology');
    assert.equal(alice.displayName, 'Alice Test');
    assert.deepEqual(
      ['carol', 'dave', 'eve', 'frank'].map((n) => byLogin.get(`${n}@example.com`)!.status),
      ['active', 'suspended', 'suspended', 'deprovisioned'],
      'LOCKED_OUT active; STAGED, SUSPENDED inactive; DEPROVISIONED deprovisioned',
    );

    assert.deepEqual(all.groups.map((g) => g.name).sort(), ['empty', 'engineering', 'ops'], 'BUILT_IN (Everyone) not selected by default');
    const members = (gid: string) => all.memberships.filter((m) => m.groupId === gid).map((m) => m.memberId).sort();
    assert.equal(members(org.groups.engineering).length, 3 + org.bulk.length);
    assert.deepEqual(members(org.groups.ops), [org.ids.bob, org.ids.carol, org.ids.frank].sort());
    assert.deepEqual(members(org.groups.empty), []);

    // Largest pages the options allow, each page its own request; pagination followed Link headers.
    const userPages = org.fake.count((r) => r.path === '/api/v1/users');
    assert.equal(userPages, Math.ceil((6 + org.bulk.length) / 7));
    assert.ok(org.fake.requests.every((r) => !r.path.includes('//')), 'no double slash from the trailing slash');
    assert.ok(org.fake.requests.some((r) => r.path === '/api/v1/users' && decodeURIComponent(r.query).includes('status eq "DEPROVISIONED"')));
    assert.ok(org.fake.count((r) => r.path === `/api/v1/groups/${org.groups.engineering}/users`) >= Math.ceil((3 + org.bulk.length) / 5));
    assert.equal(org.fake.count((r) => r.path === `/api/v1/groups/${org.groups.everyone}/users`), 0);

    // Roles through the applier.
    const v = result.version!.id;
    assert.deepEqual(rolesOf(t, 'alice@example.com', v), ['cardiologist', 'engineer']);
    assert.deepEqual(rolesOf(t, org.ids.bob, v), ['engineer', 'operator'], 'the Okta id is an identifier too');
    assert.deepEqual(rolesOf(t, 'carol@example.com', v), ['operator']);
    assert.deepEqual(rolesOf(t, 'dave@example.com', v), []);
    assert.equal(statusOf(t, 'frank@example.com', v), 'deprovisioned');
    assert.equal(t.store.history.membersAt('engineer', v).length, 3 + org.bulk.length);

    const cursor = decodeCursor(storedCursor(t));
    assert.equal(cursor?.org, org.fake.url);
    assert.ok(progress.length > 0 && progress.at(-1)!.items >= all.accounts.length);
    assert.ok(log.lines.some((l) => l.msg === 'Okta sync read'));
    assert.ok(!log.text().includes('test-api-token'), 'the token is never logged');
  });

  it('selects group types (BUILT_IN included) and leaves out statuses mapped to skip', async () => {
    const org = await smallOrg(3);
    fakes.push(org.fake);
    const t = testApplier(OKTA_ROLES);
    const { connector } = oktaConnector(
      SOURCE,
      fakeOptions(org.fake, { groups: { types: ['OKTA_GROUP', 'BUILT_IN'] }, users: { statuses: { STAGED: 'skip', DEPROVISIONED: 'skip' } } }),
      dir,
    );
    const { result, batches } = await syncAndApply(connector, t.applier, t.store, { mode: 'full', collect: true });
    const all = flatten(batches);
    assert.deepEqual(all.groups.map((g) => g.name).sort(), ['Everyone', 'empty', 'engineering']);
    assert.ok(!all.accounts.some((a) => a.externalId === org.ids.dave || a.externalId === org.ids.frank));
    assert.ok(!all.memberships.some((m) => m.memberId === org.ids.dave || m.memberId === org.ids.frank), 'no membership names a skipped user');
    const v = result.version!.id;
    assert.deepEqual(rolesOf(t, 'bob@example.com', v), ['engineer', 'everyone']);
    assert.equal(statusOf(t, 'frank@example.com', v), null);
  });
});

describe('okta connector: incremental', { timeout: 30_000 }, () => {
  it('picks up add, update, membership change, deactivation, removal and group rename; deletions wait for the reconcile', async () => {
    const org = await smallOrg();
    fakes.push(org.fake);
    const o = org.fake.org;
    const t = testApplier(OKTA_ROLES);
    const { connector } = oktaConnector(SOURCE, fakeOptions(org.fake), dir);
    const first = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    const before = org.fake.requests.length;
    await tick();

    const gina = o.addUser({ login: 'gina@example.com', firstName: 'Gina', lastName: 'Test', profile: { department: 'Cardiology' } });
    o.addMember(org.groups.ops, gina);
    o.updateUser(org.ids.bob, { department: 'Cardiology' });
    o.removeMember(org.groups.engineering, org.ids.alice);
    o.setStatus(org.ids.carol, 'DEPROVISIONED');
    o.renameGroup(org.groups.engineering, 'engineering'); // profile touched, same name
    o.deleteUser(org.bulk[0]!);

    const second = await syncAndApply(connector, t.applier, t.store, { collect: true });
    assert.equal(second.run.kind, 'delta');
    const d = flatten(second.batches);
    assert.deepEqual(d.accounts.map((a) => a.externalId).sort(), [gina, org.ids.bob, org.ids.carol].sort(), 'only users changed since the watermark');
    assert.deepEqual(d.replaceMembers.map((r) => r.groupId).sort(), [org.groups.engineering, org.groups.ops].sort(), 'member lists re-read for groups whose membership moved');
    const requests = org.fake.requests.slice(before);
    assert.ok(requests.every((r) => r.path !== `/api/v1/groups/${org.groups.empty}/users`), 'unchanged groups are not re-read');
    assert.ok(requests.length <= 12, `an incremental run is cheap (${requests.length} requests)`);

    const v = second.result.version!.id;
    assert.deepEqual(rolesOf(t, 'gina@example.com', v), ['cardiologist', 'operator'], 'added');
    assert.deepEqual(rolesOf(t, 'bob@example.com', v), ['cardiologist', 'engineer', 'operator'], 'attribute changed');
    assert.deepEqual(rolesOf(t, 'alice@example.com', v), ['cardiologist'], 'removed from engineering');
    assert.equal(statusOf(t, 'carol@example.com', v), 'deprovisioned', 'deactivated');
    // A deleted user: its memberships went with the group re-read; the account itself stays until a full run.
    assert.deepEqual(rolesOf(t, 'bulk0@example.com', v), []);

    const cursorBefore = decodeCursor(storedCursor(t))!;
    assert.ok(Date.parse(cursorBefore.since) >= Date.parse(decodeCursor(first.run.cursor())!.since));

    const reconcile = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    assert.equal(statusOf(t, 'bulk0@example.com', reconcile.result.version!.id), null, 'the full reconcile removes the deleted user');
  });

  it('re-reads what changed within the overlap, so a change landing right at the watermark is not lost', async () => {
    const org = await smallOrg(2);
    fakes.push(org.fake);
    const t = testApplier(OKTA_ROLES);
    const { connector } = oktaConnector(SOURCE, fakeOptions(org.fake, { incremental: { overlap: '60s' } }), dir);
    await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    // A change stamped before the run's watermark but not yet visible to that run (Okta's lists
    // are eventually consistent): the next run still reads it, thanks to the overlap.
    const c = decodeCursor(storedCursor(t))!;
    const u = org.fake.org.user(org.ids.alice);
    u.profile = { ...u.profile, department: 'Surgery' };
    u.lastUpdated = new Date(Date.parse(c.since) - 30_000).toISOString();
    u.json = null;
    const next = await syncAndApply(connector, t.applier, t.store, { collect: true });
    assert.deepEqual(flatten(next.batches).accounts.map((a) => a.externalId), [org.ids.alice]);
    assert.deepEqual(rolesOf(t, 'alice@example.com', next.result.version!.id), ['engineer']);
  });

  it('with the System Log: deletions of users and groups, and membership events instead of member re-reads', async () => {
    const org = await smallOrg(12);
    fakes.push(org.fake);
    const o = org.fake.org;
    const t = testApplier(OKTA_ROLES);
    const { connector, log } = oktaConnector(SOURCE, fakeOptions(org.fake, { incremental: { systemLog: true, memberships: 'system-log' } }), dir);
    await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    await tick();

    o.addMember(org.groups.ops, org.ids.alice);
    o.removeMember(org.groups.engineering, org.ids.bob);
    o.addMember(org.groups.engineering, org.ids.carol);
    o.removeMember(org.groups.engineering, org.ids.carol);
    o.deleteUser(org.bulk[3]!);
    o.deleteGroup(org.groups.empty);
    const before = org.fake.requests.length;

    const second = await syncAndApply(connector, t.applier, t.store, { collect: true });
    const d = flatten(second.batches);
    assert.equal(d.replaceMembers.length, 0, 'no member list re-read');
    assert.equal(org.fake.requests.slice(before).filter((r) => /\/groups\/[^/]+\/users/.test(r.path)).length, 0);
    assert.ok(org.fake.requests.slice(before).some((r) => r.path === '/api/v1/logs' && r.query.includes('sortOrder=ASCENDING') && !r.query.includes('until')));
    assert.deepEqual(d.removedAccounts, [org.bulk[3]]);
    assert.deepEqual(d.removedGroups, [org.groups.empty]);
    const v = second.result.version!.id;
    assert.deepEqual(rolesOf(t, 'alice@example.com', v), ['cardiologist', 'engineer', 'operator']);
    assert.deepEqual(rolesOf(t, 'bob@example.com', v), ['operator']);
    assert.deepEqual(rolesOf(t, 'carol@example.com', v), ['operator'], 'added then removed: removed');
    assert.equal(statusOf(t, 'bulk3@example.com', v), null, 'deleted user removed without waiting for a full run');
    assert.equal(t.store.history.membersAt('engineer', v).length, 12 - 1 + 1 /* alice */ + 1 /* eve */);

    // The log position moved to after the last event: a quiet poll reads nothing new.
    const logPos = decodeCursor(storedCursor(t))!.logs;
    assert.ok(logPos?.startsWith('/api/v1/logs?'));
    const third = await syncAndApply(connector, t.applier, t.store, { collect: true });
    assert.equal(third.result.version, null, 'nothing changed, no new version');
    assert.equal(flatten(third.batches).removedAccounts.length, 0);

    // A stored log position Okta no longer accepts: polling restarts from the watermark.
    const bad = JSON.stringify({ ...decodeCursor(storedCursor(t))!, logs: '/api/v1/logs?after=expired&sortOrder=ASCENDING' });
    const run = await connector.sync({ cursor: bad, mode: 'incremental', signal: new AbortController().signal, progress: () => undefined, now: Date.now });
    for await (const _ of run.batches);
    assert.ok(log.lines.some((l) => l.level === 'warn' && /refused the stored System Log position/.test(l.msg ?? '')));
    assert.match(decodeCursor(run.cursor())!.logs!, /after=s\d+/);
  });

  it('a cursor of other options (or another org) means a full run', async () => {
    const org = await smallOrg(2);
    fakes.push(org.fake);
    const t = testApplier(OKTA_ROLES);
    await syncAndApply(oktaConnector(SOURCE, fakeOptions(org.fake), dir).connector, t.applier, t.store, { mode: 'full' });
    const other = oktaConnector(SOURCE, fakeOptions(org.fake, { groups: { types: ['OKTA_GROUP'] } }), dir);
    const r = await syncAndApply(other.connector, t.applier, t.store, { collect: true });
    assert.equal(r.run.kind, 'full');
    assert.ok(other.log.lines.some((l) => /options changed/.test(JSON.stringify(l.obj))));
    assert.deepEqual(flatten(r.batches).groups.map((g) => g.name).sort(), ['empty', 'engineering']);
    assert.deepEqual(rolesOf(t, 'carol@example.com', r.result.version!.id), [], 'ops (APP_GROUP) no longer synced');
  });
});
