/**
 * The `entra` connector against a fake Entra token endpoint and a fake Microsoft Graph (real
 * msal-node through its networkClient, real fetch to a loopback Graph): the initial sync, and
 * incremental delta rounds for member changes, disabled users, soft and hard deletes, deleted
 * groups, nested group changes and app-role assignments, with the role state read back through
 * a real applier on a temp SQLite store. Also Graph's quirks (empty pages with a nextLink, the
 * same entity several times, partial updates) and replays.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { decodeCursor } from '../../connectors/entra/index.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { stateAtVersion } from '../support/state-at-version.js';
import { tempDir } from '../support/temp-dir.js';
import { testApplier } from '../support/test-applier.js';
import { BULK, CONTOSO_OPTIONS, CONTOSO_ROLES, G, ROLE, SP, U, bulkUserId, contosoDirectory } from '../fakes/entra/contoso.js';
import { SECRET, entraConnector, entraOptions, flatten, startFakeEntra, syncAndApply, type FakeEntra } from '../fakes/entra/harness.js';

const rules: ResolveRules = { linking: [], roles: CONTOSO_ROLES };
type T = ReturnType<typeof testApplier>;

const principal = (t: T, subject: string, v: number): string | null => {
  const pids = t.store.history.principalsForSubject(subject, v);
  assert.ok(pids.length <= 1, `at most one principal for ${subject}`);
  return pids[0] ?? null;
};
const roles = (t: T, subject: string, v: number): string[] => {
  const pid = principal(t, subject, v);
  assert.ok(pid, `a principal for ${subject} at v${v}`);
  return t.store.history.rolesAt(pid, v).map((r) => r.role).sort();
};
const statusOf = (t: T, subject: string, v: number): string => (JSON.parse(t.store.history.principalData(principal(t, subject, v)!, v)!) as { status: string }).status;
const latest = (t: T): number => t.store.history.latestVersion()!.id;

describe('entra connector against a fake Graph', { timeout: 60_000 }, () => {
  const dir = tempDir('roster-entra-');
  let fake: FakeEntra;

  // Each case gets its own tenant.
  beforeEach(async () => {
    fake = await startFakeEntra(contosoDirectory(), { pageSize: 100, membersPerPage: 200 });
  });
  afterEach(() => fake?.close());

  it('initial sync: users, service principals, groups with members over several pages, app roles; roles through the applier', async () => {
    const t = testApplier(rules);
    const { connector, log, network } = entraConnector(fake, entraOptions(dir, CONTOSO_OPTIONS), dir);
    const before = fake.graph.requests.length;
    const { run, result, batches, progress } = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    assert.equal(run.kind, 'full');
    const all = flatten(batches);

    // Users (all of them) and the service principals that pass the filters (not Microsoft's own).
    assert.equal(all.accounts.filter((a) => a.kind === 'human').length, 6 + BULK);
    const byId = new Map(all.accounts.map((a) => [a.externalId, a]));
    const alice = byId.get(U.alice)!;
    assert.deepEqual(
      alice.identifiers.map((i) => `${i.kind}=${i.value}${i.verified ? '(verified)' : ''}`).sort(),
      ['email=alice@contoso.com(verified)', `objectId=${U.alice}`, 'upn=alice@contoso.com'],
    );
    assert.deepEqual(alice.attributes, { userType: 'Member', department: 'Cardiology' });
    assert.equal(alice.displayName, 'Alice');
    assert.equal(byId.get(U.eve)!.status, 'suspended', 'accountEnabled false');
    assert.equal(byId.get(U.frank)!.attributes.userType, 'Guest');
    assert.equal(byId.get(SP.agent)!.kind, 'agent', 'tagged roster-agent');
    assert.equal(byId.get(SP.support)!.kind, 'service');
    assert.deepEqual(byId.get(SP.support)!.identifiers.map((i) => i.kind).sort(), ['clientId', 'objectId']);
    assert.ok(byId.has(SP.backup), 'managed identity');
    assert.ok(!byId.has(SP.msGraph), 'Microsoft first-party app skipped');

    // Groups: security and Microsoft 365, not the distribution list; app roles as approle:<value>, not the disabled one.
    assert.deepEqual(all.groups.map((g) => g.name).sort(), ['approle:Reader', 'approle:Writer', 'big', 'engineering', 'platform', 'sre', 'team']);
    const members = (groupId: string) => all.memberships.filter((m) => m.groupId === groupId).map((m) => `${m.memberType}:${m.memberId}`).sort();
    assert.deepEqual(members(G.engineering), [`account:${SP.support}`, `account:${U.alice}`, `group:${G.platform}`].sort(), 'device skipped');
    assert.equal(members(G.big).length, BULK + 1, 'members spread over pages all collected');
    assert.deepEqual(members(`approle:${ROLE.reader}`), [`account:${SP.agent}`, `account:${U.alice}`, `group:${G.platform}`].sort());

    // Roles through a real applier (nested groups, app roles, attribute rules).
    const v = result.version!.id;
    assert.deepEqual(roles(t, 'alice@contoso.com', v), ['bulk', 'cardiology', 'engineer', 'reader']);
    assert.deepEqual(roles(t, U.bob, v), ['engineer', 'reader', 'writer'], 'reader through platform (assigned as a group)');
    assert.deepEqual(roles(t, 'carol@contoso.com', v), ['engineer', 'reader', 'sre'], 'sre < platform < engineering');
    assert.deepEqual(roles(t, 'dave@contoso.com', v), ['collaborator'], 'the disabled Admin role grants nothing');
    assert.deepEqual(roles(t, 'frank_fabrikam.com#EXT#@contoso.onmicrosoft.com', v), [], 'distribution lists are not read');
    assert.deepEqual(roles(t, 'a0000000-0000-4000-8000-000000000002', v), ['reader'], 'an agent by its client id');
    assert.equal(statusOf(t, 'eve@contoso.com', v), 'suspended');
    assert.equal(t.store.history.membersAt('bulk', v).length, BULK + 1);

    // Paging: several pages of each; the cursor keeps the whole deltaLinks.
    const deltaReqs = fake.graph.requests.slice(before).filter((r) => r.path.endsWith('/delta'));
    assert.ok(deltaReqs.filter((r) => r.path === '/v1.0/groups/delta').length >= 3, 'group members over >= 3 pages');
    assert.ok(deltaReqs.filter((r) => r.path === '/v1.0/users/delta').length >= 5);
    assert.match(deltaReqs[0]!.query, /\$select=id,displayName,userPrincipalName,mail,accountEnabled,userType,department/);
    const cursor = decodeCursor(t.store.syncStates()[0]!.cursor)!;
    assert.match(cursor.users, /^https:\/\/graph\.microsoft\.com\/v1\.0\/users\/delta\?\$deltatoken=/);
    assert.match(cursor.groups, /^https:\/\/graph\.microsoft\.com\/v1\.0\/groups\/delta\?\$deltatoken=/);
    assert.match(cursor.servicePrincipals!, /^https:\/\/graph\.microsoft\.com\/v1\.0\/servicePrincipals\/delta\?\$deltatoken=/);
    assert.deepEqual([...cursor.appRoleGroups].sort(), [`approle:${ROLE.reader}`, `approle:${ROLE.writer}`].sort());

    // The real msal-node asked the production authority (routed to the fake); secrets never logged.
    assert.ok(network.calls.some((c) => c.method === 'POST' && new URL(c.url).origin === 'https://login.microsoftonline.com' && new URL(c.url).pathname.endsWith('/oauth2/v2.0/token')));
    assert.equal(fake.login.grants.filter((g) => g.ok && g.auth === 'secret').length, 1, 'one token for the whole run');
    assert.ok(progress.length > 0 && progress.at(-1)!.items >= 6 + BULK);
    assert.ok(!log.text().includes(SECRET));
  });

  it('incremental: member added and removed, user disabled and renamed, nested group change, app-role assignment', async () => {
    const t = testApplier(rules);
    const { connector } = entraConnector(fake, entraOptions(dir, CONTOSO_OPTIONS), dir);
    await syncAndApply(connector, t.applier, t.store, { mode: 'full' });

    fake.dir.addMember(G.sre, U.dave);
    fake.dir.removeMember(G.big, U.alice);
    fake.dir.update('users', U.bob, { accountEnabled: false });
    fake.dir.update('users', U.carol, { displayName: 'Carol C.', department: 'Cardiology' });
    fake.dir.update('users', U.frank, { jobTitle: 'not selected: no delta entry' });
    fake.dir.assign(SP.gateway, ROLE.writer, U.dave, 'User');
    const before = fake.graph.requests.length;
    const { run, result, batches } = await syncAndApply(connector, t.applier, t.store);
    assert.equal(run.kind, 'delta');
    const all = flatten(batches);
    assert.deepEqual(all.accounts.map((a) => a.externalId).sort(), [U.bob, U.carol].sort(), 'only changed users');
    assert.equal(all.accounts.find((a) => a.externalId === U.carol)!.displayName, 'Carol C.');
    assert.deepEqual(all.memberships.filter((m) => m.groupId === G.sre), [{ groupId: G.sre, memberType: 'account', memberId: U.dave }]);
    assert.deepEqual(all.removedMemberships, [{ groupId: G.big, memberType: 'account', memberId: U.alice }]);
    const requests = fake.graph.requests.slice(before);
    assert.ok(requests.length <= 8, `a few requests for a few changes (${requests.length}: ${requests.map((r) => r.path).join(' ')})`);

    const v = result.version!.id;
    assert.deepEqual(roles(t, 'alice@contoso.com', v), ['cardiology', 'engineer', 'reader']);
    assert.equal(statusOf(t, U.bob, v), 'suspended');
    assert.deepEqual(roles(t, 'dave@contoso.com', v), ['collaborator', 'engineer', 'reader', 'sre', 'writer'], 'sre < platform < engineering; platform holds Reader');
    assert.deepEqual(roles(t, 'carol@contoso.com', v), ['cardiology', 'engineer', 'reader', 'sre']);

    // A nested group leaves its parent: everyone below loses what came through it.
    fake.dir.removeMember(G.engineering, G.platform);
    fake.dir.unassign(G.platform, ROLE.reader);
    const second = await syncAndApply(connector, t.applier, t.store);
    const v2 = second.result.version!.id;
    assert.deepEqual(roles(t, 'carol@contoso.com', v2), ['cardiology', 'sre']);
    assert.deepEqual(roles(t, 'dave@contoso.com', v2), ['collaborator', 'sre', 'writer']);
    assert.deepEqual(roles(t, 'alice@contoso.com', v2), ['cardiology', 'engineer', 'reader'], 'alice is a direct member');

    // Nothing changed: a round with no entries, and no version.
    const idle = await syncAndApply(connector, t.applier, t.store);
    assert.equal(idle.run.kind, 'delta');
    assert.equal(idle.result.version, null);
  });

  it('soft delete -> inactive, restore -> active, hard delete -> gone, group deleted', async () => {
    const t = testApplier(rules);
    const { connector } = entraConnector(fake, entraOptions(dir, CONTOSO_OPTIONS), dir);
    await syncAndApply(connector, t.applier, t.store, { mode: 'full' });

    fake.dir.softDelete('users', U.bob);
    fake.dir.hardDelete('users', bulkUserId(7));
    fake.dir.hardDelete('groups', G.sre);
    const { result, batches } = await syncAndApply(connector, t.applier, t.store);
    const all = flatten(batches);
    assert.deepEqual(all.removedAccounts, [bulkUserId(7)]);
    assert.deepEqual(all.removedGroups, [G.sre]);
    const v = result.version!.id;
    assert.equal(statusOf(t, 'bob@contoso.com', v), 'deprovisioned', 'soft-deleted: in the recycle bin, kept as inactive');
    assert.equal(principal(t, 'bulk7@contoso.com', v), null, 'hard-deleted: gone');
    assert.equal(t.store.history.membersAt('bulk', v).length, BULK, 'its membership went with it (Graph does not report it)');
    assert.deepEqual(roles(t, 'carol@contoso.com', v), [], 'carol was only in the deleted group sre');

    fake.dir.restore('users', U.bob);
    const restored = await syncAndApply(connector, t.applier, t.store);
    const v2 = restored.result.version!.id;
    assert.equal(statusOf(t, 'bob@contoso.com', v2), 'active');
    assert.deepEqual(roles(t, 'bob@contoso.com', v2), ['engineer', 'reader', 'writer'], 'memberships kept through the recycle bin');

    fake.dir.softDelete('users', U.bob);
    fake.dir.hardDelete('users', U.bob);
    const purged = await syncAndApply(connector, t.applier, t.store);
    assert.equal(principal(t, 'bob@contoso.com', purged.result.version!.id), null);

    // A full reconcile agrees with what the deltas built.
    const reconcile = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    assert.equal(reconcile.run.kind, 'full');
    assert.equal(reconcile.result.version, null, 'no difference between the delta-built state and a fresh read');
  });

  it("Graph's quirks: empty pages with a nextLink, every entry twice, partial updates; replays change nothing", async () => {
    const quirky = await startFakeEntra(contosoDirectory(), { pageSize: 40, membersPerPage: 70, emptyPages: true, duplicates: true, partialUpdates: true });
    const clean = await startFakeEntra(contosoDirectory(), { pageSize: 1000, membersPerPage: 10_000 });
    try {
      const tq = testApplier(rules);
      const tc = testApplier(rules);
      const q = entraConnector(quirky, entraOptions(dir, CONTOSO_OPTIONS), dir).connector;
      const c = entraConnector(clean, entraOptions(dir, CONTOSO_OPTIONS), dir).connector;
      await syncAndApply(q, tq.applier, tq.store, { mode: 'full' });
      await syncAndApply(c, tc.applier, tc.store, { mode: 'full' });
      const change = (f: FakeEntra): void => {
        f.dir.update('users', U.alice, { department: 'Oncology' });
        f.dir.update('users', U.dave, { accountEnabled: false });
        f.dir.addMember(G.team, U.frank);
        f.dir.removeMember(G.team, U.dave);
        for (let i = 0; i < 100; i++) f.dir.removeMember(G.big, bulkUserId(i));
        f.dir.softDelete('users', U.eve);
        f.dir.hardDelete('groups', G.sre);
      };
      change(quirky);
      change(clean);
      const cursorBefore = tq.store.syncStates()[0]!.cursor;
      const rq = await syncAndApply(q, tq.applier, tq.store);
      const rc = await syncAndApply(c, tc.applier, tc.store);
      assert.equal(rq.run.kind, 'delta');
      const rows = (t: T, v: number) => {
        const s = stateAtVersion(t.store.db, v);
        return { accounts: s.accounts, groups: s.groups, memberships: s.memberships };
      };
      assert.deepEqual(rows(tq, rq.result.version!.id), rows(tc, rc.result.version!.id), 'same state as from a clean Graph');
      const alice = flatten(rq.batches).accounts.find((a) => a.externalId === U.alice)!;
      assert.equal(alice.identifiers.length, 3, 'a partial update merged into what was known');
      assert.equal(alice.attributes.department, 'Oncology');

      // Replay: the same round again from the previous cursor changes nothing.
      const run = await q.sync({ cursor: cursorBefore, mode: 'incremental', signal: new AbortController().signal, progress: () => undefined, now: Date.now });
      assert.equal(run.kind, 'delta');
      const replay = await tq.applier.apply({ source: 'entra', kind: run.kind, batches: run.batches, cursor: () => run.cursor(), trigger: 'sync' });
      assert.equal(replay.version, null);

      // A fresh process (nothing in memory) continues the stored cursor: partial updates are completed by re-reading.
      const fresh = entraConnector(quirky, entraOptions(dir, CONTOSO_OPTIONS), dir).connector;
      quirky.dir.update('users', U.bob, { displayName: 'Robert' });
      const before = quirky.graph.requests.length;
      const r = await syncAndApply(fresh, tq.applier, tq.store);
      assert.equal(r.run.kind, 'delta');
      const bob = flatten(r.batches).accounts.find((a) => a.externalId === U.bob)!;
      assert.equal(bob.displayName, 'Robert');
      assert.equal(bob.identifiers.find((i) => i.kind === 'upn')?.value, 'bob@contoso.com');
      assert.ok(quirky.graph.requests.slice(before).some((x) => x.path === `/v1.0/users/${U.bob}`), 're-read by id');
    } finally {
      await quirky.close();
      await clean.close();
    }
  });
});
