import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deletionGuard } from '../../src/apply/deletion-guard.js';
import { KeyedRows } from '../../src/apply/keyed-rows.js';
import { sameJson } from '../../src/apply/same-json.js';
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
    // Two identifiers each (so a principal makes two alias rows), and a membership listed twice.
    const accounts = Array.from({ length: 30 }, (_, i) => user(`u${i}`, { identifiers: [{ kind: 'email', value: `u${i}@example.com` }, { kind: 'login', value: `u${i}` }] }));
    const memberships = [...accounts.map((a) => inGroup('all', a.externalId)), inGroup('admins', 'u3'), inGroup('admins', 'u7'), inGroup('all', 'u1')];
    const groups = [group('all'), group('admins')];
    const first = await t.full('d', { accounts, groups, memberships });
    const c = first.changes;
    for (const k of SECTIONS) assert.equal([...c[k].started].length, c[k].started.length, `${k}: the count matches the rows made`);
    assert.equal(c.principals.started.length, 30);
    assert.equal(c.aliases.started.length, 60);
    assert.equal(c.memberships.started.length, 32);
    assert.equal(c.grants.started.length, 32);
    assert.deepEqual(first.version?.counts, { accounts: 30, groups: 2, memberships: 32, principals: 30, links: 30, aliases: 60, grants: 32 });
    const db = t.store.db;
    const stored = (sql: string): string[] => (db.prepare(sql).raw().all() as unknown[][]).map((r) => r.join('|')).sort();
    assert.deepEqual([...c.principals.started].map((r) => `${r.id}|${r.data}`).sort(), stored('SELECT id, data FROM principals'));
    assert.deepEqual([...c.accounts.started].map((r) => `${r.source}|${r.externalId}|${r.data}`).sort(), stored('SELECT source, external_id, data FROM accounts'));
    assert.deepEqual([...c.aliases.started].map((r) => `${r.kind}|${r.value}|${r.principalId}`).sort(), stored('SELECT kind, value, principal_id FROM aliases'));
    assert.deepEqual([...c.memberships.started].map((r) => `${r.source}|${r.groupId}|${r.member}`).sort(), stored('SELECT source, group_id, member FROM memberships'));
    assert.deepEqual([...c.links.started].map((r) => `${r.source}|${r.externalId}|${r.principalId}`).sort(), stored('SELECT source, external_id, principal_id FROM links'));
    const paths = stored('SELECT g.principal_id, g.role, p.json FROM grants g JOIN grant_paths p ON p.id = g.path_id');
    assert.deepEqual([...c.grants.started].map((r) => `${r.principalId}|${r.role}|${r.path}`).sort(), paths);
    const firstRows = Object.fromEntries(SECTIONS.map((k) => [k, JSON.stringify([...c[k].started])]));

    // The digests the cache took while the rows were made: the same snapshot changes nothing, and
    // neither does a whole new resolution under the same rules (every principal compared with them).
    t.tick();
    const again = await t.full('d', { accounts, groups, memberships });
    assert.equal(again.version, null);
    const reresolved = await t.applier.setRules(rules);
    assert.equal(reresolved.changes.principals.started.length, 0);
    assert.equal(reresolved.version, null);

    // An update ends and starts one key, counted once: a renamed user, and u3 leaving admins (a grant ends).
    t.tick();
    const renamed = accounts.map((a) => (a.externalId === 'u5' ? { ...a, displayName: 'Renamed' } : a));
    const third = await t.full('d', { accounts: renamed, groups, memberships: memberships.filter((m) => !(m.groupId === 'admins' && m.memberId === 'u3')) });
    assert.equal(third.changes.accounts.ended.length, 1);
    assert.equal(third.changes.accounts.started.length, 1);
    assert.deepEqual(third.version?.counts, { accounts: 1, groups: 0, memberships: 1, principals: 1, links: 0, aliases: 0, grants: 1 });
    // What the first apply's kept result reads is still what it committed, after later applies.
    for (const k of SECTIONS) assert.equal(JSON.stringify([...c[k].started]), firstRows[k], `${k}: a kept result reads the same rows`);
  });

  it('a retry after a commit failed midway stores every grant with its own path', () => {
    const t = testApplier(rules);
    const changes = (grants: Rows<{ principalId: string; role: string; path: string }>): ChangeSet => ({
      source: 'd',
      trigger: 'sync',
      committedAt: t.now(),
      accounts: { ended: [], started: [] },
      groups: { ended: [], started: [] },
      memberships: { ended: [], started: [] },
      principals: { ended: [], started: [{ id: 'p1', data: '{}' }] },
      links: { ended: [], started: [] },
      aliases: { ended: [], started: [] },
      grants: { ended: [], started: grants },
    });
    const failing: Rows<{ principalId: string; role: string; path: string }> = {
      length: 2,
      *[Symbol.iterator]() {
        yield { principalId: 'p1', role: 'admin', path: '{"from":"admin"}' };
        throw new Error('the disk is full');
      },
    };
    assert.throws(() => t.store.commit(changes(failing), { source: 'd', at: t.now() }), /disk is full/);
    const retry = [
      { principalId: 'p1', role: 'staff', path: '{"from":"staff"}' },
      { principalId: 'p1', role: 'admin', path: '{"from":"admin"}' },
    ];
    assert.ok(t.store.commit(changes(retry), { source: 'd', at: t.now() }));
    const stored = t.store.db.prepare('SELECT g.role, p.json FROM grants g JOIN grant_paths p ON p.id = g.path_id ORDER BY g.role').raw().all();
    assert.deepEqual(stored, [
      ['admin', '{"from":"admin"}'],
      ['staff', '{"from":"staff"}'],
    ]);
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

  it('sameJson compares as JSON does: a key holding undefined is no key', () => {
    assert.equal(sameJson({ a: 1, b: undefined }, { a: 1 }), true);
    assert.equal(sameJson({ a: 1 }, { a: 1, b: undefined }), true);
    assert.equal(sameJson({ a: undefined }, { a: 1 }), false);
    assert.equal(sameJson({ a: 1 }, { a: 2 }), false);
    assert.equal(sameJson({ a: [1, 2] }, { a: [1, 2] }), true);
    assert.equal(sameJson({ a: [1, 2] }, { a: [2, 1] }), false);
  });
});
