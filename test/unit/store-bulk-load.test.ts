import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { withDeferredIndexes } from '../../src/store/deferred-indexes.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { SourceControl } from '../../src/store/source-control.js';
import { SqliteRoleStore } from '../../src/store/sqlite-role-store.js';
import { WalCheckpointer } from '../../src/store/wal-checkpointer.js';
import { openDatabase, type Db } from '../../src/store/open-database.js';
import { group, inGroup, user } from '../support/builders.js';
import { tempDir } from '../support/temp-dir.js';
import { testApplier } from '../support/test-applier.js';
import { waitFor } from '../support/wait-for.js';

const indexesOf = (db: Db): string[] =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((r) => r.name);
const integrity = (db: Db): string => (db.prepare('PRAGMA integrity_check').pluck().all() as string[]).join('; ');

const GROUPS = 10;
const rules: ResolveRules = {
  linking: [],
  roles: Array.from({ length: GROUPS }, (_, g) => ({ name: `r${g}`, rank: g, grantedBy: [{ group: { source: 'd', name: `g${g}` } }] })),
};

describe('store bulk loads', () => {
  it('a first apply large enough to build its indexes afterwards leaves every index whole, and later versions use them', async () => {
    const fresh = openDatabase(join(tempDir(), 'fresh.db'));
    const expected = indexesOf(fresh);
    fresh.close();

    const t = testApplier(rules);
    const users = 24_000; // over the 20k rows that defer index building
    const accounts = Array.from({ length: users }, (_, i) => user(`u${i}`));
    const groups = Array.from({ length: GROUPS }, (_, g) => group(`g${g}`));
    const memberships = accounts.map((a, i) => inGroup(`g${i % GROUPS}`, a.externalId));
    const schemaBefore = t.store.db.pragma('schema_version', { simple: true }) as number;
    const first = await t.full('d', { accounts, groups, memberships });
    assert.equal(first.changes.grants.started.length, users);
    // Indexes were dropped and built again (each DDL statement bumps the schema cookie).
    assert.ok((t.store.db.pragma('schema_version', { simple: true }) as number) > schemaBefore, 'the indexes were rebuilt');
    assert.deepEqual(indexesOf(t.store.db), expected);
    assert.equal(integrity(t.store.db), 'ok');
    assert.equal(t.store.db.prepare('SELECT count(*) FROM grants INDEXED BY grants_by_role WHERE role = ? AND to_v IS NULL').pluck().get('r3'), users / GROUPS);
    // Aliases and links went through the staged, SQLite-sorted insert; the stage is left empty.
    assert.equal(t.store.db.prepare('SELECT count(*) FROM aliases WHERE to_v IS NULL').pluck().get(), users);
    assert.equal(t.store.db.prepare("SELECT principal_id FROM aliases WHERE kind = 'email' AND value = ?").pluck().get('u123@example.com'), [...first.changes.links.started].find((l) => l.externalId === 'u123')?.principalId);
    assert.equal(t.store.db.prepare('SELECT count(*) FROM temp.staged_aliases').pluck().get(), 0);

    // A second version ends rows through the rebuilt key indexes.
    t.tick();
    const kept = accounts.slice(0, users - 100);
    const second = await t.full('d', { accounts: kept, groups, memberships: memberships.slice(0, users - 100) });
    assert.equal(second.changes.grants.ended.length, 100);
    assert.equal(integrity(t.store.db), 'ok');
    assert.equal(t.store.db.prepare('SELECT count(*) FROM grants WHERE to_v IS NULL').pluck().get(), users - 100);
    assert.equal(t.store.db.prepare('SELECT count(*) FROM accounts INDEXED BY accounts_key WHERE to_v IS NULL').pluck().get(), users - 100);
    t.store.close();
  });

  it('a big commit leaves its checkpoint to the checkpointer thread, and the writer checkpoints again once it is done', async () => {
    const t = testApplier(rules);
    const small = await t.full('d', { accounts: [user('x')], groups: [group('g0')], memberships: [inGroup('g0', 'x')] });
    assert.ok(small.version);
    assert.equal(t.store.db.pragma('wal_autocheckpoint', { simple: true }), 1000, 'small commits checkpoint inline as SQLite does');
    const mainFileBefore = statSync(t.path).size;
    const accounts = Array.from({ length: 12_000 }, (_, i) => user(`u${i}`));
    t.tick();
    const big = await t.full('d', { accounts, groups: [group('g0')], memberships: accounts.map((a) => inGroup('g0', a.externalId)) });
    assert.ok(big.version);
    // Not checkpointed by the commit: the rows are in the WAL only, until the thread copies them.
    assert.equal(t.store.db.pragma('wal_autocheckpoint', { simple: true }), 0);
    await waitFor('the checkpointer thread', () => t.store.db.pragma('wal_autocheckpoint', { simple: true }) === 1000, 30_000);
    assert.ok(statSync(t.path).size > mainFileBefore + 2 * 1024 * 1024, `the database file grew by the checkpoint (${statSync(t.path).size} bytes)`);
    assert.equal(integrity(t.store.db), 'ok');
    t.store.close();
  });

  it('a store closed right after a big commit checkpoints it first: a reader kept open (the responder) cannot', async () => {
    const t = testApplier(rules);
    assert.ok((await t.full('d', { accounts: [user('x')], groups: [group('g0')], memberships: [inGroup('g0', 'x')] })).version);
    const reader = SqliteRoleStore.openReadonly(t.path);
    try {
      assert.equal(reader.history.latestVersion()?.id, 1);
      const mainFileBefore = statSync(t.path).size;
      const accounts = Array.from({ length: 12_000 }, (_, i) => user(`u${i}`));
      t.tick();
      assert.ok((await t.full('d', { accounts, groups: [group('g0')], memberships: accounts.map((a) => inGroup('g0', a.externalId)) })).version);
      // Closed at once, as a one-shot `roster sync` exits: the checkpointer thread has not even opened the store yet.
      t.store.close();
      assert.ok(statSync(t.path).size > mainFileBefore + 2 * 1024 * 1024, `the database file grew by the checkpoint (${statSync(t.path).size} bytes)`);
      assert.equal(reader.history.latestVersion()?.id, 2);
    } finally {
      reader.close();
    }
  });

  it('when the checkpointer thread fails, the writer checkpoints inline again', async () => {
    const db = openDatabase(join(tempDir(), 'roster.db'));
    // A path the thread cannot open: its first checkpoint fails.
    const checkpointer = new WalCheckpointer(db, join(tempDir(), 'missing', 'roster.db'));
    checkpointer.around(30_000, () => db.prepare('INSERT INTO versions (id, committed_at, source, trigger, counts) VALUES (1, 0, ?, ?, ?)').run('d', 'sync', '{}'));
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
    await waitFor('the fallback', () => db.pragma('wal_autocheckpoint', { simple: true }) === 1000, 30_000);
    // From now on big commits no longer turn the writer's checkpoint off.
    checkpointer.around(30_000, () => db.prepare('INSERT INTO versions (id, committed_at, source, trigger, counts) VALUES (2, 0, ?, ?, ?)').run('d', 'sync', '{}'));
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
    checkpointer.close();
    db.close();
  });

  it('a bulk load that fails inside its transaction leaves the indexes it dropped in place', () => {
    const db = openDatabase(join(tempDir(), 'roster.db'));
    const before = indexesOf(db);
    db.prepare("INSERT INTO grant_paths (id, json) VALUES (1, '{}')").run();
    const insert = db.prepare('INSERT INTO grants (principal_id, role, path_id, from_v) VALUES (?, ?, 1, 1)');
    assert.throws(
      () =>
        db.transaction(() =>
          withDeferredIndexes(db, 'grants', 30_000, () => {
            for (let i = 0; i < 100; i++) insert.run(`p${i}`, 'r');
            assert.ok(!indexesOf(db).includes('grants_by_role'), 'the index is dropped during the load');
            throw new Error('disk full');
          }),
        )(),
      /disk full/,
    );
    assert.deepEqual(indexesOf(db), before);
    assert.equal(db.prepare('SELECT count(*) FROM grants').pluck().get(), 0);
    db.close();
  });

  it('migration 3 moves grants into a WITHOUT ROWID table keyed by (principal, role, from_v), rows unchanged', () => {
    const path = join(tempDir(), 'old.db');
    const old = new Database(path);
    for (const m of MIGRATIONS.slice(0, 2)) old.exec(m);
    old.pragma('user_version = 2');
    old.prepare("INSERT INTO grant_paths (id, json) VALUES (1, '{\"via\":\"static\"}')").run();
    const rows = [
      ['p2', 'admin', 1, 1, 3],
      ['p1', 'staff', 1, 1, null],
      ['p2', 'admin', 1, 3, null],
    ] as const;
    for (const r of rows) old.prepare('INSERT INTO grants (principal_id, role, path_id, from_v, to_v) VALUES (?, ?, ?, ?, ?)').run(...r);
    old.close();

    // The CLI's source controls (pause) work on the old schema without migrating it: an older
    // daemon may still be running on it during an upgrade.
    const control = SourceControl.open(path);
    control.pause('d', 1);
    control.close();
    const peek = new Database(path, { readonly: true });
    assert.equal(peek.pragma('user_version', { simple: true }), 2);
    peek.close();

    const db = openDatabase(path);
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    assert.match(db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'grants'").pluck().get() as string, /WITHOUT ROWID/);
    assert.deepEqual(
      db.prepare('SELECT principal_id, role, path_id, from_v, to_v FROM grants ORDER BY principal_id, role, from_v').raw().all(),
      [rows[1], rows[0], rows[2]].map((r) => [...r]),
    );
    assert.deepEqual(indexesOf(db).filter((n) => n.startsWith('grants')), ['grants_by_role', 'grants_ended']);
    assert.equal(integrity(db), 'ok');
    db.close();
  });
});
