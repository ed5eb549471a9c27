import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deletionGuard } from '../../src/apply/deletion-guard.js';
import { KeyedRows } from '../../src/apply/keyed-rows.js';
import { sameRow } from '../../src/apply/same-json.js';
import type { ChangeSet, Rows } from '../../src/model/change-set.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { group, inGroup, user } from '../support/builders.js';
import { testApplier } from '../support/test-applier.js';

const rules: ResolveRules = {
  linking: [{ by: 'email' }],
  roles: [
    { name: 'staff', rank: 1, grantedBy: [{ group: { source: 'd', name: 'all' } }] },
    { name: 'admin', rank: 2, grantedBy: [{ group: { source: 'd', name: 'admins' } }] },
  ],
};

const SECTIONS = ['accounts', 'groups', 'memberships', 'principals', 'links', 'aliases', 'grants'] as const;

/** Rows that count how often they are read. */
function counted<T>(rows: readonly T[], reads: { n: number }): Rows<T> {
  return {
    length: rows.length,
    *[Symbol.iterator]() {
      reads.n++;
      yield* rows;
    },
  };
}

describe('change sets streamed into the store', () => {
  it('a first apply keeps its new rows as keys, says how many there are, and makes the rows the store holds', async () => {
    const t = testApplier(rules);
    const accounts = Array.from({ length: 30 }, (_, i) => user(`u${i}`));
    const memberships = [...accounts.map((a) => inGroup('all', a.externalId)), inGroup('admins', 'u3'), inGroup('admins', 'u7')];
    const first = await t.full('d', { accounts, groups: [group('all'), group('admins')], memberships });
    const c = first.changes;
    for (const k of SECTIONS) assert.equal([...c[k].started].length, c[k].started.length, `${k}: the count matches the rows made`);
    assert.equal(c.principals.started.length, 30);
    assert.equal(c.grants.started.length, 32);
    const db = t.store.db;
    const stored = (sql: string): string[] => (db.prepare(sql).raw().all() as unknown[][]).map((r) => r.join('|')).sort();
    assert.deepEqual([...c.principals.started].map((r) => `${r.id}|${r.data}`).sort(), stored('SELECT id, data FROM principals'));
    assert.deepEqual([...c.accounts.started].map((r) => `${r.source}|${r.externalId}|${r.data}`).sort(), stored('SELECT source, external_id, data FROM accounts'));
    assert.deepEqual([...c.aliases.started].map((r) => `${r.kind}|${r.value}|${r.principalId}`).sort(), stored('SELECT kind, value, principal_id FROM aliases'));
    assert.deepEqual([...c.memberships.started].map((r) => `${r.source}|${r.groupId}|${r.member}`).sort(), stored('SELECT source, group_id, member FROM memberships'));
    assert.equal(c.memberships.started.length, 32);
    assert.deepEqual([...c.links.started].map((r) => `${r.source}|${r.externalId}|${r.principalId}`).sort(), stored('SELECT source, external_id, principal_id FROM links'));
    const paths = stored('SELECT g.principal_id, g.role, p.json FROM grants g JOIN grant_paths p ON p.id = g.path_id');
    assert.deepEqual([...c.grants.started].map((r) => `${r.principalId}|${r.role}|${r.path}`).sort(), paths);
    // Made twice, the same rows: nothing a row is made from changed with the commit.
    assert.deepEqual([...c.grants.started], [...c.grants.started]);
    // The digests the cache took while the rows were made: the same snapshot changes nothing, and
    // neither does a whole new resolution under the same rules (every principal compared with them).
    t.tick();
    const again = await t.full('d', { accounts, groups: [group('all'), group('admins')], memberships });
    assert.equal(again.version, null);
    const reresolved = await t.applier.setRules(rules);
    assert.equal(reresolved.changes.principals.started.length, 0);
    assert.equal(reresolved.version, null);
    // A changed user is diffed against the held value: one account and its principal end and start.
    t.tick();
    const renamed = accounts.map((a) => (a.externalId === 'u5' ? user('u5', { displayName: 'Renamed' }) : a));
    const third = await t.full('d', { accounts: renamed, groups: [group('all'), group('admins')], memberships });
    assert.equal(third.changes.accounts.ended.length, 1);
    assert.equal(third.changes.accounts.started.length, 1);
    assert.equal(third.changes.principals.started.length, 1);
    assert.equal(third.changes.grants.started.length, 0);
  });

  it('the store reads every section of a change set once', () => {
    const t = testApplier(rules);
    const reads = Object.fromEntries(SECTIONS.map((k) => [k, { n: 0 }])) as Record<(typeof SECTIONS)[number], { n: number }>;
    const changes: ChangeSet = {
      source: 'd',
      trigger: 'sync',
      committedAt: t.now(),
      accounts: { ended: [], started: counted([{ source: 'd', externalId: 'u1', data: JSON.stringify(user('u1')) }], reads.accounts) },
      groups: { ended: [], started: counted([{ source: 'd', externalId: 'all', data: JSON.stringify(group('all')) }], reads.groups) },
      memberships: { ended: [], started: counted([{ source: 'd', groupId: 'all', member: 'a:u1' }], reads.memberships) },
      principals: { ended: [], started: counted([{ id: 'p1', data: '{}' }], reads.principals) },
      links: { ended: [], started: counted([{ source: 'd', externalId: 'u1', principalId: 'p1' }], reads.links) },
      aliases: { ended: [], started: counted([{ kind: 'email', value: 'u1@example.com', principalId: 'p1' }], reads.aliases) },
      grants: { ended: [], started: counted([{ principalId: 'p1', role: 'staff', path: '{"kind":"static"}' }], reads.grants) },
    };
    const version = t.store.commit(changes, { source: 'd', at: t.now() });
    assert.ok(version);
    for (const k of SECTIONS) assert.equal(reads[k].n, 1, `${k} read once`);
    assert.deepEqual(version.counts, Object.fromEntries(SECTIONS.map((k) => [k, 1])));
    assert.deepEqual(t.store.db.prepare('SELECT principal_id FROM version_principals WHERE version = ?').pluck().all(version.id), ['p1']);
  });

  it('KeyedRows keeps made rows and keys in the order they were added', () => {
    const rows = new KeyedRows<{ v: string }, string>((key) => key.split('').map((v) => ({ v })));
    rows.push({ v: 'a' });
    rows.pushKey('bc', 2);
    rows.pushKey('', 0);
    rows.push({ v: 'd' });
    assert.equal(rows.length, 4);
    assert.deepEqual([...rows].map((r) => r.v).join(''), 'abcd');
  });

  it('the deletion guard does not make the started rows of a change that ends nothing', () => {
    const unreadable: Rows<never> = {
      length: 5,
      [Symbol.iterator]() {
        throw new Error('read');
      },
    };
    const none = { ended: [], started: unreadable };
    const changes = { source: 'd', trigger: 'sync', committedAt: 0, accounts: none, groups: none, memberships: none, principals: none, links: none, aliases: none, grants: none } as unknown as ChangeSet;
    assert.equal(deletionGuard(changes, { accounts: 10, grants: 10 }, { maxPercent: 1, minimum: 0 }), null);
  });

  it('a key holding undefined, which JSON leaves out, is the same row', () => {
    assert.equal(sameRow({ a: 1, b: undefined }, { a: 1 }), true);
    assert.equal(sameRow({ a: 1 }, { a: 2 }), false);
    assert.equal(sameRow({ a: [1, 2] }, { a: [1, 2] }), true);
  });
});
