import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DecisionLogWriter } from '../../src/audit/decision-log-writer.js';
import { verifyChain } from '../../src/audit/verify-chain.js';
import { RosterError } from '../../src/errors/roster-error.js';
import type { DecisionRecord } from '../../src/model/decision-record.js';
import { DecisionLogStore, GENESIS_HASH } from '../../src/store/decision-log-store.js';
import { DecisionLogWorker } from '../../src/store/decision-log-worker.js';
import { tempDir } from '../support/temp-dir.js';

const record = (i: number): DecisionRecord => ({
  decisionId: `d${i}`,
  at: 1_700_000_000_000 + i,
  request: { subject: { id: `user${i % 7}@example.com` }, route: '/api/x', method: 'GET' },
  decision: { decision: 'allow', reason: 'allowed_by_role', roles: ['staff'], roleStateVersion: 1, policyVersion: 'sha256:x', decisionId: `d${i}` },
});

/**
 * Log threads (and the harnesses around them) a test started: closed after each test, so a failed
 * assertion ends the run instead of leaving a thread that keeps it alive. Closing twice is a no-op.
 */
const cleanups: (() => Promise<void>)[] = [];
const startWorker = async (...args: Parameters<typeof DecisionLogWorker.start>): Promise<DecisionLogWorker> => {
  const worker = await DecisionLogWorker.start(...args);
  cleanups.push(() => worker.close());
  return worker;
};

async function open(mode: 'durable' | 'async', windowMs = 2) {
  const path = join(tempDir(), 'd.db');
  const store = DecisionLogStore.open(path);
  const deaths: Error[] = [];
  const worker = await startWorker(path, (e) => deaths.push(e));
  const commits: number[] = [];
  const writer = new DecisionLogWriter(worker, { mode, windowMs, maxBatch: 64 });
  writer.onCommit = (n, _ms, ok) => ok && commits.push(n);
  const ids = (): string[] => store.db.prepare('SELECT decision_id FROM decisions ORDER BY seq').pluck().all() as string[];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await writer.close();
    await worker.close();
    store.close();
  };
  cleanups.push(close);
  return { store, worker, writer, commits, deaths, ids, close, verify: () => verifyChain(store.scan(), GENESIS_HASH, 1) };
}

describe('decision log worker thread', () => {
  afterEach(async () => {
    for (const close of cleanups.splice(0)) await close();
  });

  it('commits durable records in group commits off the event loop; every answer waits for its commit; the chain verifies', async () => {
    const t = await open('durable');
    const n = 300;
    await Promise.all(Array.from({ length: n }, (_, i) => t.writer.append(record(i))));
    assert.equal(t.ids().length, n);
    assert.deepEqual(new Set(t.ids()), new Set(Array.from({ length: n }, (_, i) => `d${i}`)));
    assert.equal(t.commits.reduce((a, b) => a + b, 0), n);
    assert.ok(t.commits.length < n / 2, `records are grouped: ${t.commits.length} commits for ${n} records`);
    const v = t.verify();
    assert.equal(v.ok, true);
    assert.equal(v.records, n);
    await t.close();
    assert.deepEqual(t.deaths, [], 'a clean close is not a death');
  });

  it('durable records commit at the end of the turn, not after the window; what arrives during a commit forms the next batch', async () => {
    const t = await open('durable', 60_000);
    const started = performance.now();
    await t.writer.append(record(0));
    assert.ok(performance.now() - started < 10_000, 'a durable record does not wait out the 60 s window');
    await Promise.all([1, 2, 3].map((i) => t.writer.append(record(i))));
    assert.deepEqual(t.commits, [1, 3], 'records appended in one turn commit together');
    const first = t.writer.append(record(4));
    await new Promise((resolve) => setImmediate(resolve)); // the batch of record 4 is now committing
    const later = [5, 6, 7].map((i) => t.writer.append(record(i)));
    await Promise.all([first, ...later]);
    assert.deepEqual(t.commits, [1, 3, 1, 3], 'what arrived during a commit went in one next batch');
    assert.equal(t.verify().records, 8);
    await t.close();
  });

  it('async records queue up to a bound (8 batches); beyond it a caller waits for room, so memory stays bounded under overload', async () => {
    const t = await open('async', 60_000);
    const n = 700;
    const waited: Promise<void>[] = [];
    const depthAtRoom: number[] = [];
    for (let i = 0; i < n; i++) {
      const depth = t.writer.queueDepth;
      const p = t.writer.append(record(i));
      if (p) {
        assert.ok(depth >= 8 * 64, `only a full queue makes an async append wait (depth ${depth})`);
        waited.push(p.then(() => void depthAtRoom.push(t.writer.queueDepth)));
      } else assert.ok(depth < 8 * 64, `an async append answers at once below the bound (depth ${depth})`);
    }
    assert.ok(waited.length > 0, 'some appends had to wait');
    await Promise.all(waited);
    for (const d of depthAtRoom) assert.ok(d <= 8 * 64, `a waiting caller goes on once the queue is within the bound (${d})`);
    await t.writer.drained();
    assert.deepEqual(t.ids(), Array.from({ length: n }, (_, i) => `d${i}`));
    assert.equal(t.verify().records, n);
    await t.close();
  });

  it('async callers waiting for room when the log starts failing get their answers; their records are retained and commit, in order, once it recovers', async () => {
    const t = await open('async', 60_000);
    t.store.db.exec("CREATE TRIGGER disk_full BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    const n = 700;
    const waited: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const p = t.writer.append(record(i));
      if (p) waited.push(p);
    }
    assert.ok(waited.length > 0);
    const released = await Promise.race([Promise.all(waited).then(() => true), sleep(3_000).then(() => false)]);
    assert.equal(released, true, 'the waiting callers were let go when the commit failed');
    assert.equal(t.writer.isFailing, true);
    t.store.db.exec('DROP TRIGGER disk_full');
    for (let k = 0; k < 100 && t.ids().length < n; k++) await sleep(50);
    assert.deepEqual(t.ids(), Array.from({ length: n }, (_, i) => `d${i}`), 'every answered record committed, in order');
    assert.equal(t.verify().records, n);
    await t.close();
  });

  it('a failing log: durable answers fail and never appear later; async records are retried until the log recovers, in order', async () => {
    const t = await open('durable');
    await t.writer.append(record(0));
    t.store.db.exec("CREATE TRIGGER disk_full BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    await assert.rejects(t.writer.append(record(1))!, /disk is full/);
    assert.equal(t.writer.isFailing, true);
    t.store.db.exec('DROP TRIGGER disk_full');
    await t.writer.append(record(2));
    assert.deepEqual(t.ids(), ['d0', 'd2']);
    await t.close();

    const a = await open('async');
    a.writer.append(record(10));
    await a.writer.drained();
    a.store.db.exec("CREATE TRIGGER disk_full BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    for (let i = 11; i < 15; i++) a.writer.append(record(i));
    await a.writer.drained();
    assert.equal(a.writer.isFailing, true);
    assert.deepEqual(a.ids(), ['d10']);
    a.store.db.exec('DROP TRIGGER disk_full');
    for (let i = 0; i < 100 && a.ids().length < 5; i++) await sleep(20); // the retry backoff starts at 100 ms
    assert.deepEqual(a.ids(), ['d10', 'd11', 'd12', 'd13', 'd14']);
    assert.equal(a.verify().ok, true);
    await a.close();
  });

  it('an async log: the thread runs at the nice value given, and its commits do not wait for fsync (a durable one does)', async () => {
    const dir = tempDir();
    const sync = (opts: { fsyncEachCommit?: boolean }): unknown => {
      const s = DecisionLogStore.open(join(dir, `s${String(opts.fsyncEachCommit)}.db`), opts);
      const v = s.db.pragma('synchronous', { simple: true });
      s.close();
      return v;
    };
    assert.equal(sync({}), 2, 'FULL by default');
    assert.equal(sync({ fsyncEachCommit: false }), 1, 'NORMAL');
    if (process.platform !== 'linux') return;
    const niceOfThreads = (): number[] => readdirSync('/proc/self/task').map((t) => Number(readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]));
    // Lower than this process (lowering needs no privilege), and than any of its threads.
    const nice = Math.max(...niceOfThreads()) + 3;
    if (nice > 19) return;
    const worker = await startWorker(join(dir, 'w.db'), () => undefined, { nice, fsyncEachCommit: false });
    assert.equal(niceOfThreads().filter((n) => n === nice).length, 1, `one thread, the log thread, at nice ${nice}`);
    const writer = new DecisionLogWriter(worker, { mode: 'async', windowMs: 1, maxBatch: 8 });
    for (let i = 0; i < 20; i++) writer.append(record(i));
    await writer.close();
    await worker.close();
    const store = DecisionLogStore.open(join(dir, 'w.db'));
    assert.equal(verifyChain(store.scan(), GENESIS_HASH, 1).records, 20);
    store.close();
  });

  it('continues the chain of an existing log, and an unopenable path is a clear error', async () => {
    const path = join(tempDir(), 'd.db');
    for (let round = 0; round < 2; round++) {
      const worker = await startWorker(path, () => undefined);
      const writer = new DecisionLogWriter(worker, { mode: 'durable', windowMs: 1, maxBatch: 8 });
      await Promise.all(Array.from({ length: 20 }, (_, i) => writer.append(record(round * 100 + i))));
      await writer.close();
      await worker.close();
    }
    const store = DecisionLogStore.open(path);
    const v = verifyChain(store.scan(), GENESIS_HASH, 1);
    assert.equal(v.ok, true);
    assert.equal(v.records, 40);
    store.close();

    const blocker = join(tempDir(), 'a-file');
    writeFileSync(blocker, 'not a directory');
    await assert.rejects(DecisionLogWorker.start(join(blocker, 'd.db'), () => undefined), (e: unknown) => e instanceof RosterError && e.code === 'ROSTER_ERR_STORE_OPEN');
  });
});
