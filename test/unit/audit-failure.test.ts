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

  it('durable with onFailure: allow answers unrecorded decisions while the log fails', async () => {
    const t = setup('durable', 'allow');
    t.break();
    const d = await t.service.decide(request);
    assert.equal(d.decision, 'allow');
    t.heal();
    assert.deepEqual(t.ids(), []);
  });
});
