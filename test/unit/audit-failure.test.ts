import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DecisionLogWriter } from '../../src/audit/decision-log-writer.js';
import { verifyChain } from '../../src/audit/verify-chain.js';
import { RosterError } from '../../src/errors/roster-error.js';
import { DecisionService } from '../../src/serve/decision-service.js';
import { DecisionLogStore, GENESIS_HASH } from '../../src/store/decision-log-store.js';
import { indexOf, stateOf } from '../support/policy-fixtures.js';
import { tempDir } from '../support/temp-dir.js';

const policy = { combining: 'union', routes: [{ name: 'api', pathPrefix: '/api/' }], rules: [{ name: 'staff', effect: 'allow', roles: ['staff'], routes: ['api'] }] };
const index = indexOf(stateOf([{ id: 'p_0000000000000001', identifiers: [{ kind: 'email', value: 'a@example.com' }], roles: { staff: 'config' } }]), policy, { staff: 1 });
const request = { subject: { id: 'a@example.com' }, route: '/api/x', method: 'GET' };

/** A decision log whose inserts fail while `broken` (as with a full disk). */
function setup(mode: 'durable' | 'async', onFailure: 'deny' | 'allow') {
  const log = DecisionLogStore.open(join(tempDir(), 'd.db'));
  const writer = new DecisionLogWriter(log, { mode, windowMs: 5, maxBatch: 64 });
  const service = new DecisionService(writer);
  service.onAuditFailure = onFailure;
  service.swap(index);
  service.setFreshness(new Map());
  return {
    log,
    writer,
    service,
    break: () => log.db.exec("CREATE TRIGGER disk_full BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"),
    heal: () => log.db.exec('DROP TRIGGER disk_full'),
    ids: () => (log.db.prepare('SELECT decision_id FROM decisions ORDER BY seq').pluck().all() as string[]),
    verify: () => verifyChain(log.scan(), GENESIS_HASH, 1),
  };
}
const unavailable = (e: unknown): boolean => e instanceof RosterError && e.code === 'ROSTER_ERR_AUDIT_UNAVAILABLE';

describe('decision-log failure policy', () => {
  it('durable, fail closed: a decision the log cannot record is an error, never appears later; recovery is immediate', async () => {
    const t = setup('durable', 'deny');
    const ok1 = await t.service.decide(request);
    t.break();
    await assert.rejects(t.service.decide(request), unavailable);
    t.heal();
    const ok2 = await t.service.decide(request);
    await sleep(50);
    assert.deepEqual(t.ids(), [ok1.decisionId, ok2.decisionId]);
    assert.equal(t.verify().ok, true);
  });

  it('async, fail closed: answered records are kept and retried, new decisions denied until the log recovers; nothing answered is lost', async () => {
    const t = setup('async', 'deny');
    t.break();
    const answered = [await t.service.decide(request), await t.service.decide(request)].map((d) => d.decisionId);
    await sleep(30); // the batch commit fails
    assert.equal(t.writer.isFailing, true);
    await assert.rejects(t.service.decide(request), unavailable);
    t.heal();
    await sleep(400); // the retry commits the kept records
    assert.equal(t.writer.isFailing, false);
    answered.push((await t.service.decide(request)).decisionId);
    t.writer.flush();
    assert.deepEqual(t.ids(), answered);
    assert.equal(t.verify().ok, true);
  });

  it('async with onFailure: allow answers at once while the log fails, even with more records retained than the async queue bound; all commit after recovery', async () => {
    const t = setup('async', 'allow');
    let failures = 0;
    t.writer.onCommit = (_n, _ms, ok) => void (ok || failures++);
    const attempts = (): number => failures;
    t.break();
    const answered: string[] = [];
    for (let i = 0; i < 8 * 64 + 8; i++) answered.push((await t.service.decide(request)).decisionId!);
    await sleep(30); // the batch commit fails: everything is retained for a retry
    assert.equal(t.writer.isFailing, true);
    assert.ok(t.writer.queueDepth >= 8 * 64, `retained ${t.writer.queueDepth}`);
    const started = performance.now();
    for (let i = 0; i < 20; i++) answered.push((await t.service.decide(request)).decisionId!);
    assert.ok(performance.now() - started < 90, `answered without waiting for the retry (${(performance.now() - started).toFixed(0)} ms)`);
    assert.ok(attempts() >= 1 && attempts() <= 3, `a failing log is retried with backoff, not once per decision (${attempts()} attempts)`);
    t.heal();
    await sleep(400);
    await t.writer.drained();
    assert.deepEqual(t.ids(), answered);
    assert.equal(t.verify().ok, true);
  });

  it('a log that keeps failing retains the newest 100,000 answered records: the oldest are dropped and counted', async () => {
    const log = DecisionLogStore.open(join(tempDir(), 'd.db'));
    const errors: string[] = [];
    const writer = new DecisionLogWriter(log, { mode: 'async', windowMs: 5, maxBatch: 100_000 }, (e) => errors.push(e.message));
    log.db.exec("CREATE TRIGGER disk_full BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    const n = 100_050;
    for (let i = 0; i < n; i++) writer.append({ decisionId: `d${i}`, at: 1, request, decision: { decision: 'allow', reason: 'allowed_by_role', roles: ['staff'], roleStateVersion: 1, policyVersion: 'sha256:x' } });
    for (let k = 0; k < 100 && writer.stats.dropped === 0; k++) await sleep(20); // the first retry fails too
    assert.equal(writer.stats.dropped, 50);
    assert.equal(writer.queueDepth, 100_000);
    log.db.exec('DROP TRIGGER disk_full');
    await sleep(250);
    await writer.drained();
    const ids = log.db.prepare('SELECT decision_id FROM decisions ORDER BY seq').pluck().all() as string[];
    assert.equal(ids.length, 100_000);
    assert.equal(ids[0], 'd50', 'the oldest were dropped');
    assert.equal(ids.at(-1), `d${n - 1}`);
    assert.equal(verifyChain(log.scan(), GENESIS_HASH, 1).ok, true);
    await writer.close();
    log.close();
  });

  it('an async sink that fails without handing the batch back (its thread died) loses it: counted and reported, never silent', async () => {
    const errors: string[] = [];
    const sink = { lastHash: () => '0'.repeat(64), append: (): Promise<void> => Promise.reject(new Error('the decision log worker exited (code 1)')) };
    const writer = new DecisionLogWriter(sink, { mode: 'async', windowMs: 1, maxBatch: 64 }, (e) => errors.push(e.message));
    for (let i = 0; i < 3; i++) writer.append({ decisionId: `d${i}`, at: 1, request, decision: { decision: 'allow', reason: 'allowed_by_role', roles: ['staff'], roleStateVersion: 1, policyVersion: 'sha256:x' } });
    await sleep(20);
    assert.equal(writer.stats.dropped, 3);
    assert.equal(writer.queueDepth, 0);
    assert.ok(errors.some((m) => /3 answered decision records were lost/.test(m)), errors.join('; '));
    await writer.close();
  });

  it('closing while the log still fails reports the records it could not commit (never a silent loss) and settles every caller', async () => {
    const log = DecisionLogStore.open(join(tempDir(), 'd.db'));
    const errors: string[] = [];
    const writer = new DecisionLogWriter(log, { mode: 'async', windowMs: 5, maxBatch: 64 }, (e) => errors.push(e.message));
    log.db.exec("CREATE TRIGGER disk_full BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    for (let i = 0; i < 3; i++) writer.append({ decisionId: `d${i}`, at: 1, request, decision: { decision: 'allow', reason: 'allowed_by_role', roles: ['staff'], roleStateVersion: 1, policyVersion: 'sha256:x' } });
    await sleep(30);
    assert.equal(writer.isFailing, true);
    await writer.close();
    assert.equal(writer.stats.dropped, 3);
    assert.match(errors.at(-1) ?? '', /closed while failing; 3 records were not committed/);
  });

  it('durable with onFailure: allow answers unrecorded decisions while the log fails', async () => {
    const t = setup('durable', 'allow');
    t.break();
    const d = await t.service.decide(request);
    assert.equal(d.decision, 'allow');
    t.heal();
    assert.deepEqual(t.ids(), []);
  });
});
