/**
 * The decision log's run index (lookups by subject and by principal off the append path):
 * seeded random logs with a tiny run size, every search and every last-decision lookup checked
 * against a brute-force answer over all records, before and after retention, for a writer and a
 * read-only reader, and for a log written before the index existed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { chainHash } from '../../src/audit/chain-hash.js';
import type { DecisionLogRow } from '../../src/store/decision-log-row.js';
import { DECISION_LOG_MIGRATIONS } from '../../src/store/decision-log-migrations.js';
import { DecisionLogStore, GENESIS_HASH } from '../../src/store/decision-log-store.js';
import type { DecisionSearch } from '../../src/store/decision-log-queries.js';
import { seededRandom } from '../../bench/seeded-random.js';
import { tempDir } from '../support/temp-dir.js';

const T0 = Date.parse('2026-05-01T00:00:00Z');
const SUBJECTS = ['ann@example.com', 'bob@example.com', 'cé@example.com', 'dan@example.com', 'eve@example.com'];
const principalOf = (i: number): string | null => (i === 4 ? null : `p_${String(i).padStart(16, '0')}`);

type Row = Omit<DecisionLogRow, 'seq'>;

/** `n` chained rows: random subjects (eve never resolves), routes, outcomes and roughly rising times. */
function rowsOf(n: number, seed: number, start = { prev: GENESIS_HASH, i: 0 }): Row[] {
  const r = seededRandom(seed);
  const out: Row[] = [];
  for (let k = 0; k < n; k++) {
    const s = r.int(SUBJECTS.length);
    const i = start.i++;
    const record = JSON.stringify({ decisionId: `d${i}`, n: i });
    const hash = chainHash(start.prev, record);
    out.push({ decisionId: `d${i}`, at: T0 + i * 1000 + r.int(5000), subject: SUBJECTS[s]!, principalId: principalOf(s), route: r.int(2) ? '/v1/chat' : '/tickets', decision: r.int(3) ? 'allow' : 'deny', record, prevHash: start.prev, hash });
    start.prev = hash;
  }
  return out;
}

/** Appends in random batch sizes, as the writer's group commit would. */
function appendAll(log: DecisionLogStore, rows: readonly Row[], seed: number): void {
  const r = seededRandom(seed);
  for (let at = 0; at < rows.length; ) {
    const n = 1 + r.int(12);
    log.append(rows.slice(at, at + n));
    at += n;
  }
}

/** The same search, by brute force over every stored record. */
function bruteForce(log: DecisionLogStore, s: Omit<DecisionSearch, 'limit'>): number[] {
  const all = log.db.prepare('SELECT seq, at, subject, principal_id AS principalId, route, decision FROM decisions ORDER BY seq').all() as (DecisionLogRow & { seq: number })[];
  return all
    .filter(
      (d) =>
        d.seq > (s.after ?? 0) &&
        (s.subject === undefined || (s.subject.startsWith('p_') ? d.principalId === s.subject : d.subject === s.subject)) &&
        (s.route === undefined || d.route === s.route) &&
        (s.decision === undefined || d.decision === s.decision) &&
        (s.since === undefined || d.at >= s.since) &&
        (s.until === undefined || d.at <= s.until),
    )
    .map((d) => d.seq);
}

/** Pages through a search with `limit`, collecting sequence numbers. */
function paged(log: DecisionLogStore, s: Omit<DecisionSearch, 'after' | 'limit'>, limit: number): number[] {
  const seqs: number[] = [];
  let after = 0;
  for (;;) {
    const page = log.queries.search({ ...s, after, limit });
    assert.ok(page.length <= limit);
    seqs.push(...page.map((p) => p.seq));
    if (page.length < limit) return seqs;
    after = page[page.length - 1]!.seq;
  }
}

function checkAgainstBruteForce(log: DecisionLogStore, seed: number, rounds: number): void {
  const r = seededRandom(seed);
  const head = log.head()?.seq ?? 0;
  for (let k = 0; k < rounds; k++) {
    const who = r.int(SUBJECTS.length + 4);
    const s: Omit<DecisionSearch, 'after' | 'limit'> = {
      subject: who < SUBJECTS.length ? SUBJECTS[who]! : principalOf(who - SUBJECTS.length)!,
      ...(r.int(2) ? { route: r.int(2) ? '/v1/chat' : '/tickets' } : {}),
      ...(r.int(3) === 0 ? { decision: r.int(2) ? 'allow' : 'deny' } : {}),
      ...(r.int(2) ? { since: T0 + r.int(head * 1000) } : {}),
      ...(r.int(3) === 0 ? { until: T0 + r.int(head * 1000) } : {}),
    };
    assert.deepEqual(paged(log, s, 1 + r.int(20)), bruteForce(log, s), JSON.stringify(s));
  }
  const ids = [0, 1, 2, 3, 9].map((i) => principalOf(i) ?? 'p_none');
  const want = new Map(ids.map((id) => [id, (log.db.prepare('SELECT at FROM decisions WHERE principal_id = ? ORDER BY seq DESC LIMIT 1').pluck().get(id) as number | undefined) ?? null]));
  assert.deepEqual(log.queries.lastDecisionsAt(ids), want);
}

const runs = (log: DecisionLogStore) => log.db.prepare('SELECT count(*) AS n, coalesce(max(last_seq), 0) AS through FROM decision_runs').get() as { n: number; through: number };

describe('decision log run index (subject and principal lookups)', () => {
  it('searches and last decisions equal a brute-force answer: runs plus the unindexed tail, paged, with every filter', () => {
    const dir = tempDir();
    const log = DecisionLogStore.open(join(dir, 'd.db'), { indexRunRows: 7, indexFoldRuns: 5 });
    appendAll(log, rowsOf(400, 1), 2);
    const { n, through } = runs(log);
    assert.ok(n >= 50, `runs were written (${n})`);
    assert.ok(400 - through < 7, `only a partial run is left unindexed (${400 - through})`);
    assert.equal((log.db.prepare('SELECT count(*) FROM decision_run_subjects').pluck().get() as number), through, 'one subject entry per indexed record');
    checkAgainstBruteForce(log, 3, 150);

    const reader = DecisionLogStore.open(join(dir, 'd.db'), { readonly: true });
    checkAgainstBruteForce(reader, 4, 50);
    reader.close();
    log.close();
  });

  it('retention drops the entries of removed records; lookups stay exact inside the window', () => {
    const log = DecisionLogStore.open(join(tempDir(), 'd.db'), { indexRunRows: 7, indexFoldRuns: 5 });
    appendAll(log, rowsOf(300, 5), 6);
    const { removed } = log.compact(T0 + 123_456, T0);
    assert.ok(removed > 100);
    const anchor = log.queries.anchor()!.seq;
    for (const table of ['decision_run_subjects', 'decision_run_principals']) {
      assert.equal(log.db.prepare(`SELECT count(*) FROM ${table} WHERE seq <= ?`).pluck().get(anchor), 0, table);
    }
    assert.equal(log.db.prepare('SELECT count(*) FROM decision_runs WHERE first_seq <= ?').pluck().get(anchor), 0);
    checkAgainstBruteForce(log, 7, 80);
    log.close();
  });

  it('a log written before the index existed is upgraded on open (read-only too) and indexed as records are appended', () => {
    const dir = tempDir();
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    for (let i = 0; i < 2; i++) old.exec(DECISION_LOG_MIGRATIONS[i]!);
    old.pragma('user_version = 2');
    const chain = { prev: GENESIS_HASH, i: 0 };
    const insert = old.prepare('INSERT INTO decisions (decision_id, at, subject, principal_id, route, decision, record, prev_hash, hash) VALUES (@decisionId, @at, @subject, @principalId, @route, @decision, @record, @prevHash, @hash)');
    for (const row of rowsOf(100, 8, chain)) insert.run(row);
    old.close();

    // A read-only open (the daemon's admin socket, the CLI) upgrades it first, then reads it whole.
    const reader = DecisionLogStore.open(path, { readonly: true, indexRunRows: 7, indexFoldRuns: 5 });
    assert.equal(reader.db.pragma('user_version', { simple: true }), DECISION_LOG_MIGRATIONS.length);
    checkAgainstBruteForce(reader, 12, 20);
    reader.close();
    const log = DecisionLogStore.open(path, { indexRunRows: 7, indexFoldRuns: 5 });
    assert.equal(runs(log).n, 0);
    checkAgainstBruteForce(log, 9, 30);
    // Every append indexes a run more than it needs: the backlog is worked off.
    for (let k = 0; k < 20; k++) log.append(rowsOf(1, 10 + k, chain));
    assert.ok(120 - runs(log).through < 7);
    checkAgainstBruteForce(log, 11, 60);
    log.close();
  });

  it('a log indexed by the release before the newest-record table gets it filled on upgrade', () => {
    const path = join(tempDir(), 'v3.db');
    const log = DecisionLogStore.open(path, { indexRunRows: 7, indexFoldRuns: 5 });
    appendAll(log, rowsOf(200, 16), 3);
    assert.ok(runs(log).n > 20);
    // As that release left it: runs written, no newest-record table, schema version 3.
    log.db.exec('DROP TABLE decision_last_through; DROP TABLE decision_last_by_principal');
    log.db.pragma('user_version = 3');
    log.close();
    const upgraded = DecisionLogStore.open(path, { indexRunRows: 7, indexFoldRuns: 5 });
    assert.equal(upgraded.db.pragma('user_version', { simple: true }), DECISION_LOG_MIGRATIONS.length);
    checkAgainstBruteForce(upgraded, 17, 20);
    // Runs written afterwards (by this release or a writer of the one before: the trigger) keep it.
    const chain = { prev: upgraded.lastHash(), i: 200 };
    for (let k = 0; k < 10; k++) upgraded.append(rowsOf(9, 30 + k, chain));
    assert.ok(runs(upgraded).through > 250);
    checkAgainstBruteForce(upgraded, 18, 20);
    upgraded.close();
  });

  it('a subject with a lone surrogate stays findable once indexed (its bytes are copied inside SQLite, never re-encoded)', () => {
    const log = DecisionLogStore.open(join(tempDir(), 'd.db'), { indexRunRows: 4, indexFoldRuns: 3 });
    const rows = rowsOf(8, 13).map((r, i) => (i % 2 ? { ...r, subject: 'odd\ud800one' } : r));
    log.append(rows);
    assert.equal(runs(log).through, 8);
    assert.deepEqual(
      log.queries.search({ subject: 'odd\ud800one', limit: 100 }).map((r) => r.seq),
      [2, 4, 6, 8],
    );
    log.close();
  });

  it('a search or last-decision lookup reads one snapshot: a run committed meanwhile is neither doubled nor missed', () => {
    const path = join(tempDir(), 'd.db');
    const writer = DecisionLogStore.open(path, { indexRunRows: 4, indexFoldRuns: 3 });
    const reader = DecisionLogStore.open(path, { readonly: true, indexRunRows: 4, indexFoldRuns: 3 });
    const chain = { prev: GENESIS_HASH, i: 0 };
    writer.appendOnly(rowsOf(8, 14, chain));
    const want = bruteForce(reader, { subject: SUBJECTS[0]! });
    // The writer indexes its runs right after the reader has started (white box: between the reader's reads).
    type Hooked = { all: (...a: unknown[]) => unknown[] };
    const stmts = (reader.queries as unknown as { index: { stmts: Record<string, Hooked> } }).index.stmts;
    const hook = (name: string, before: () => void): (() => void) => {
      const original = stmts[name]!;
      stmts[name] = { all: (...a) => (before(), original.all(...a)) };
      return () => void (stmts[name] = original);
    };
    let unhook = hook('runsAfter', () => writer.indexDue(8));
    assert.deepEqual(reader.queries.search({ subject: SUBJECTS[0]!, limit: 100 }).map((r) => r.seq), want);
    unhook();
    writer.appendOnly(rowsOf(8, 15, chain));
    const ids = [0, 1, 2, 3].map((i) => principalOf(i)!);
    const expected = new Map(ids.map((id) => [id, (reader.db.prepare('SELECT at FROM decisions WHERE principal_id = ? ORDER BY seq DESC LIMIT 1').pluck().get(id) as number | undefined) ?? null]));
    unhook = hook('newestIndexed', () => writer.indexDue(8));
    assert.deepEqual(reader.queries.lastDecisionsAt(ids), expected);
    unhook();
    reader.close();
    writer.close();
  });
});
