import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RosterError } from '../../src/errors/roster-error.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { SqliteRoleStore } from '../../src/store/sqlite-role-store.js';
import { batches, group, inGroup, nested, user } from '../support/builders.js';
import { testApplier } from '../support/test-applier.js';

const rules: ResolveRules = {
  linking: [{ by: 'email' }],
  roles: [
    { name: 'eng', rank: 2, grantedBy: [{ group: { source: 'ldap', name: 'engineering' } }] },
    { name: 'staff', rank: 1, grantedBy: [{ group: { source: 'okta', name: 'everyone' } }] },
  ],
};

const ldapSnapshot = {
  accounts: [user('u1'), user('u2'), user('u3')],
  groups: [group('g1', 'engineering'), group('g2', 'platform')],
  memberships: [inGroup('g1', 'u1'), nested('g1', 'g2'), inGroup('g2', 'u2')],
};

describe('applier', () => {
  it('commits one version per change and none for an unchanged re-apply', async () => {
    const t = testApplier(rules);
    const first = await t.full('ldap', ldapSnapshot);
    assert.equal(first.version?.id, 1);
    assert.equal(first.version?.counts.accounts, 3);
    assert.equal(first.version?.counts.grants, 2);
    t.tick();
    // Same content, different order and split into two batches.
    const again = await t.full('ldap', { accounts: [user('u3'), user('u2')], memberships: [inGroup('g2', 'u2'), nested('g1', 'g2')] }, { accounts: [user('u1')], groups: [group('g2', 'platform'), group('g1', 'engineering')], memberships: [inGroup('g1', 'u1')] });
    assert.equal(again.version, null);
    assert.equal(t.store.history.latestVersion()?.id, 1);
  });

  it('a full snapshot removes what it no longer contains, for that source only', async () => {
    const t = testApplier(rules);
    await t.full('ldap', ldapSnapshot);
    await t.full('okta', { accounts: [user('o1', { identifiers: [{ kind: 'email', value: 'zed@example.com' }] })], groups: [group('e', 'everyone')], memberships: [inGroup('e', 'o1')] });
    t.tick();
    const r = await t.full('ldap', { accounts: [user('u1')], groups: [group('g1', 'engineering')], memberships: [inGroup('g1', 'u1')] });
    assert.ok(r.version);
    const v = r.version.id;
    assert.deepEqual(t.store.history.membersAt('eng', v).length, 1);
    assert.deepEqual(t.store.history.membersAt('staff', v).length, 1, 'okta grants untouched');
    assert.deepEqual(t.store.history.membersAt('eng', v - 1).length, 2, 'history keeps the old state');
    assert.deepEqual(t.store.history.principalsForSubject('u2@example.com', v), []);
    assert.equal(t.store.history.principalsForSubject('u2@example.com', v - 1).length, 1);
  });

  it('applies deltas: upserts, removals that take their memberships along, member replacement', async () => {
    const t = testApplier(rules);
    await t.full('ldap', ldapSnapshot);
    const d1 = await t.delta('ldap', { removedAccounts: ['u1'], accounts: [user('u4')], memberships: [inGroup('g2', 'u4')] });
    const v = d1.version!.id;
    const eng = t.store.history.membersAt('eng', v).map((m) => m.principalId);
    assert.equal(eng.length, 2);
    assert.equal(t.store.history.principalsForSubject('u1@example.com', v).length, 0);
    // The removed account's membership ended with it.
    const rows = t.store.db.prepare("SELECT count(*) AS n FROM memberships WHERE member = 'a:u1' AND to_v IS NULL").get() as { n: number };
    assert.equal(rows.n, 0);
    const d2 = await t.delta('ldap', { replaceMembers: [{ groupId: 'g2', members: [{ memberType: 'account', memberId: 'u3' }] }] });
    const holders = t.store.history.membersAt('eng', d2.version!.id).map((m) => m.principalId);
    assert.deepEqual(holders, t.store.history.principalsForSubject('u3@example.com', d2.version!.id));
    const noop = await t.delta('ldap', { accounts: [user('u3')], memberships: [inGroup('g2', 'u3')], removedAccounts: ['nobody'] });
    assert.equal(noop.version, null);
  });

  it('links accounts across sources into one principal holding roles from both', async () => {
    const t = testApplier(rules);
    await t.full('ldap', ldapSnapshot);
    const r = await t.full('okta', { accounts: [user('00u1', { identifiers: [{ kind: 'email', value: 'U1@example.com' }, { kind: 'oktaId', value: '00u1' }] })], groups: [group('e', 'everyone')], memberships: [inGroup('e', '00u1')] });
    const [pid] = t.store.history.principalsForSubject('00u1', r.version!.id);
    assert.ok(pid);
    assert.deepEqual(t.store.history.principalsForSubject('u1@example.com', r.version!.id), [pid]);
    assert.deepEqual(t.store.history.rolesAt(pid, r.version!.id).map((x) => x.role), ['eng', 'staff']);
  });

  it('stores the cursor in the same transaction as the data, and a failing commit changes nothing', async () => {
    const t = testApplier(rules);
    await t.applier.apply({ source: 'ldap', kind: 'full', batches: batches(ldapSnapshot), cursor: () => 'csn-1', trigger: 'sync' });
    assert.equal(t.store.syncStates()[0]?.cursor, 'csn-1');
    // Make the next commit fail inside the transaction, after rows were written.
    t.store.db.exec("CREATE TRIGGER boom BEFORE INSERT ON versions BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    await assert.rejects(
      t.applier.apply({ source: 'ldap', kind: 'delta', batches: batches({ accounts: [user('u9')], memberships: [inGroup('g1', 'u9')] }), cursor: () => 'csn-2', trigger: 'sync' }),
      /disk on fire/,
    );
    assert.equal(t.store.syncStates()[0]?.cursor, 'csn-1');
    assert.equal((t.store.db.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number }).n, 3);
    t.store.db.exec('DROP TRIGGER boom');
    // The cache was reverted too: the same delta now commits exactly the change.
    const retry = await t.applier.apply({ source: 'ldap', kind: 'delta', batches: batches({ accounts: [user('u9')], memberships: [inGroup('g1', 'u9')] }), cursor: () => 'csn-2', trigger: 'sync' });
    assert.equal(retry.version?.counts.accounts, 1);
    assert.equal(t.store.syncStates()[0]?.cursor, 'csn-2');
  });

  it('a run that throws mid-stream applies nothing', async () => {
    const t = testApplier(rules);
    await t.full('ldap', ldapSnapshot);
    async function* broken() {
      yield { accounts: [user('u1')] };
      throw new Error('connection reset');
    }
    await assert.rejects(t.applier.apply({ source: 'ldap', kind: 'full', batches: broken(), trigger: 'sync' }), /connection reset/);
    assert.equal(t.store.history.latestVersion()?.id, 1);
    assert.equal((await t.full('ldap', ldapSnapshot)).version, null, 'cache untouched by the failed run');
  });

  it('holds an empty snapshot unless deletions are accepted', async () => {
    const t = testApplier(rules);
    await t.full('ldap', ldapSnapshot);
    await assert.rejects(t.full('ldap', {}), (e: unknown) => e instanceof RosterError && e.code === 'ROSTER_ERR_SYNC_EMPTY_SNAPSHOT');
    const r = await t.applier.apply({ source: 'ldap', kind: 'full', batches: batches({}), trigger: 'sync', acceptDeletions: true });
    assert.equal(r.version?.counts.accounts, 3);
  });

  it('a dry run reports the change set and commits nothing', async () => {
    const t = testApplier(rules);
    const r = await t.applier.apply({ source: 'ldap', kind: 'full', batches: batches(ldapSnapshot), trigger: 'sync', dryRun: true });
    assert.equal(r.dryRun, true);
    assert.equal(r.changes.grants.started.length, 2);
    assert.equal(t.store.history.latestVersion(), null);
    assert.equal((await t.full('ldap', ldapSnapshot)).version?.id, 1);
  });

  it('a rule change re-resolves and commits a manual version', async () => {
    const t = testApplier(rules);
    await t.full('ldap', ldapSnapshot);
    const r = await t.applier.setRules({ ...rules, roles: [...rules.roles, { name: 'plat', rank: 3, grantedBy: [{ group: { source: 'ldap', name: 'platform' } }] }] });
    assert.equal(r.version?.trigger, 'manual');
    assert.equal(t.store.history.membersAt('plat', r.version.id).length, 1);
  });

  it('reloads its caches from the store: a restarted applier sees no change in the same data', async () => {
    const t = testApplier(rules);
    await t.full('ldap', ldapSnapshot);
    t.store.close();
    const again = testApplier(rules, t.path);
    assert.equal((await again.full('ldap', ldapSnapshot)).version, null);
    assert.equal((await again.delta('ldap', { removedAccounts: ['u2'] })).version?.id, 2);
  });

  it('refuses a second writer on the same store', () => {
    const t = testApplier(rules);
    assert.throws(() => SqliteRoleStore.openWritable(t.path), (e: unknown) => e instanceof RosterError && e.code === 'ROSTER_ERR_STORE_LOCKED');
    const reader = SqliteRoleStore.openReadonly(t.path);
    reader.close();
  });

  it('keeps ambiguous identifiers as conflicts as they come and go (the incremental link index)', async () => {
    // Linked by employee id only, so two principals can share an email.
    const t = testApplier({ linking: [{ by: 'employeeId' }], roles: [] });
    const withEmail = (id: string, email: string) =>
      user(id, { identifiers: [{ kind: 'employeeId', value: `E-${id}` }, { kind: 'email', value: email }] });
    const ambiguous = () => t.applier.snapshot().state.conflicts.filter((c) => c.kind === 'ambiguous-alias').map((c) => `${c.identifier} x${c.accounts.length}`);
    await t.full('ldap', { accounts: [withEmail('a', 'shared@example.com'), withEmail('b', 'b@example.com')] });
    assert.deepEqual(ambiguous(), []);
    await t.delta('ldap', { accounts: [withEmail('b', 'shared@example.com')] });
    assert.deepEqual(ambiguous(), ['email:shared@example.com x2']);
    await t.delta('ldap', { accounts: [withEmail('c', 'shared@example.com')] });
    assert.deepEqual(ambiguous(), ['email:shared@example.com x3']);
    await t.delta('ldap', { removedAccounts: ['a', 'c'] });
    assert.deepEqual(ambiguous(), []);
  });

  it('keeps no change set once an apply has returned (a 100k-user initial sync made one of 400 MB)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const t = testApplier(rules);
    let result: Awaited<ReturnType<typeof t.full>> | null = await t.full('ldap', ldapSnapshot);
    const changes = new WeakRef(result.changes);
    result = null;
    await new Promise((r) => setImmediate(r));
    gc();
    assert.equal(changes.deref(), undefined, 'the applier (its queue of applies) let go of the change set');
  });
});
