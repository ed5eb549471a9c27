import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DecisionLogWriter } from '../../src/audit/decision-log-writer.js';
import { verifyChain } from '../../src/audit/verify-chain.js';
import { DecisionLogStore, GENESIS_HASH } from '../../src/store/decision-log-store.js';
import { tempDir } from '../support/temp-dir.js';

function logWith(n: number): DecisionLogStore {
  const store = DecisionLogStore.open(join(tempDir(), 'd.db'));
  const w = new DecisionLogWriter(store, { mode: 'async', windowMs: 1000, maxBatch: 7 });
  for (let i = 0; i < n; i++) {
    w.append({
      decisionId: `d${i}`,
      at: 1_700_000_000_000 + i,
      request: { subject: { id: `user${i % 5}@example.com` }, route: '/v1/chat', method: 'POST' },
      decision: { decision: i % 3 ? 'allow' : 'deny', reason: i % 3 ? 'allowed_by_role' : 'no_matching_rule', roles: ['staff'], roleStateVersion: 3, policyVersion: 'sha256:x', decisionId: `d${i}` },
    });
  }
  w.close();
  return store;
}

const verify = (s: DecisionLogStore) => verifyChain(s.scan(), GENESIS_HASH, 1);

describe('decision log hash chain', () => {
  it('an untouched log verifies; group commit chains across batches', () => {
    const s = logWith(50);
    const r = verify(s);
    assert.equal(r.ok, true);
    assert.equal(r.records, 50);
  });

  it('names the first bad record after an edit, a delete, an insert, a reorder', () => {
    const edited = logWith(20);
    edited.db.prepare("UPDATE decisions SET record = replace(record, '\"deny\"', '\"allow\"') WHERE seq = 7").run();
    const e = verify(edited);
    assert.equal(e.ok, false);
    assert.equal(!e.ok && e.seq, 7);
    assert.match(!e.ok ? e.problem : '', /edited/);

    const deleted = logWith(20);
    deleted.db.prepare('DELETE FROM decisions WHERE seq = 12').run();
    const d = verify(deleted);
    assert.equal(!d.ok && d.seq, 13);
    assert.match(!d.ok ? d.problem : '', /deleted/);

    const inserted = logWith(20);
    const row = inserted.db.prepare('SELECT * FROM decisions WHERE seq = 5').get() as Record<string, unknown>;
    inserted.db.prepare('UPDATE decisions SET seq = seq + 1000 WHERE seq > 5').run();
    inserted.db.prepare('INSERT INTO decisions (seq, decision_id, at, subject, principal_id, route, decision, record, prev_hash, hash) VALUES (6, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run('forged', row.at, row.subject, row.principal_id, row.route, 'allow', row.record, row.hash, row.hash);
    inserted.db.prepare('UPDATE decisions SET seq = seq - 999 WHERE seq > 1000').run();
    const i = verify(inserted);
    assert.equal(!i.ok && i.seq, 6);

    const reordered = logWith(20);
    reordered.db.exec('UPDATE decisions SET seq = -1 WHERE seq = 3; UPDATE decisions SET seq = 3 WHERE seq = 4; UPDATE decisions SET seq = 4 WHERE seq = -1;');
    const o = verify(reordered);
    assert.equal(!o.ok && o.seq, 3);
  });

  it('a truncated tail verifies by itself (the external head sink of the Compliance work catches that)', () => {
    const t = logWith(20);
    t.db.prepare('DELETE FROM decisions WHERE seq > 15').run();
    assert.equal(verify(t).ok, true);
  });
});
