import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ChainHeadSink } from '../../src/audit/chain-head-sink.js';
import { chainHash } from '../../src/audit/chain-hash.js';
import { csvLine } from '../../src/audit/csv-line.js';
import { DecisionLogWriter } from '../../src/audit/decision-log-writer.js';
import { exportDecisions } from '../../src/audit/export-decisions.js';
import { ComplianceService } from '../../src/compliance/compliance-service.js';
import type { RosterConfig } from '../../src/config/roster-config.js';
import { DecisionLogStore } from '../../src/store/decision-log-store.js';
import type { SqliteRoleStore } from '../../src/store/sqlite-role-store.js';
import { tempDir } from '../support/temp-dir.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');

function logWith(n: number, dir = tempDir()): { log: DecisionLogStore; dir: string } {
  const log = DecisionLogStore.open(join(dir, 'd.db'));
  const w = new DecisionLogWriter(log, { mode: 'async', windowMs: 60_000, maxBatch: 9 });
  for (let i = 0; i < n; i++) {
    w.append({
      decisionId: `d${i}`,
      at: T0 + i * 60_000,
      request: { subject: { id: `user${i % 4}@example.com` }, route: i % 2 ? '/v1/chat' : '/tickets/1', method: 'POST' },
      decision: { decision: i % 3 ? 'allow' : 'deny', reason: i % 3 ? 'allowed_by_role' : 'no_matching_rule', principal: `p_${String(i % 4).padStart(16, '0')}`, roles: ['staff'], roleStateVersion: 1, policyVersion: 'sha256:x', decisionId: `d${i}` },
    });
  }
  w.close();
  return { log, dir };
}

const serviceOf = (log: DecisionLogStore): ComplianceService => new ComplianceService({ roles: [], sources: [] } as unknown as RosterConfig, null as unknown as SqliteRoleStore, log);

/** Writes the head after every `every` records, as the responder's timer would. */
function headsFile(log: DecisionLogStore, dir: string): string {
  const file = join(dir, 'heads.jsonl');
  const sink = new ChainHeadSink({ file, syslog: false }, (err) => assert.fail(err));
  sink.write(log.head(), T0);
  return file;
}

describe('decision log: verify, heads, export, search, retention', () => {
  it('verify names the first bad record for edit, delete, insert, reorder; heads catch truncation of the newest records', () => {
    const { log, dir } = logWith(30);
    const heads = headsFile(log, dir);
    assert.deepEqual(serviceOf(log).verify({ headsFile: heads }).heads, { ok: true, checked: 1 });

    // Truncation: the chain that remains is intact, only the recorded head shows the loss.
    log.db.prepare('DELETE FROM decisions WHERE seq > 27').run();
    const truncated = serviceOf(log).verify({ headsFile: heads });
    assert.equal(truncated.chain.ok, true);
    assert.equal(truncated.heads?.ok, false);
    assert.match(!truncated.heads!.ok ? truncated.heads!.problem : '', /ends at record 27/);

    const cases: [string, (l: DecisionLogStore) => void, number, RegExp][] = [
      ['edit', (l) => l.db.prepare(`UPDATE decisions SET record = replace(record, '"deny"', '"allow"') WHERE seq = 10`).run(), 10, /edited/],
      ['delete', (l) => l.db.prepare('DELETE FROM decisions WHERE seq = 12').run(), 13, /deleted/],
      ['reorder', (l) => {
        const a = l.db.prepare('SELECT * FROM decisions WHERE seq = 5').get() as Record<string, unknown>;
        const b = l.db.prepare('SELECT * FROM decisions WHERE seq = 6').get() as Record<string, unknown>;
        const put = l.db.prepare('UPDATE decisions SET decision_id = @decision_id, record = @record, prev_hash = @prev_hash, hash = @hash, at = @at WHERE seq = @seq');
        l.db.prepare('DROP INDEX decisions_id').run();
        put.run({ ...b, seq: 5 });
        put.run({ ...a, seq: 6 });
      }, 5, /inserted, deleted or reordered/],
      ['insert (re-chained forgery after it)', (l) => {
        // A forged record with a correct hash of its own, placed after record 8: the next one no longer links.
        const prev = l.db.prepare('SELECT hash FROM decisions WHERE seq = 8').pluck().get() as string;
        l.db.prepare('UPDATE decisions SET seq = seq + 1000 WHERE seq > 8').run();
        const record = '{"decisionId":"forged"}';
        l.db.prepare("INSERT INTO decisions (seq, decision_id, at, subject, principal_id, route, decision, record, prev_hash, hash) VALUES (9, 'forged', 0, 'x', NULL, '/', 'allow', ?, ?, ?)").run(record, prev, chainHash(prev, record));
        l.db.prepare('UPDATE decisions SET seq = seq - 999 WHERE seq > 1000').run();
      }, 10, /inserted, deleted or reordered/],
    ];
    for (const [name, tamper, seq, problem] of cases) {
      const fresh = logWith(30).log;
      tamper(fresh);
      const r = serviceOf(fresh).verify({}).chain;
      assert.equal(r.ok, false, name);
      assert.equal(!r.ok && r.seq, seq, name);
      assert.match(!r.ok ? r.problem : '', problem, name);
    }
  });

  it('export writes every record in the window with a manifest whose hashes and sha256 check out', async () => {
    const { log, dir } = logWith(40);
    const since = T0 + 10 * 60_000;
    const until = T0 + 29 * 60_000;
    const file = join(dir, 'out.jsonl');
    const m = await exportDecisions(log.scan({ since, until }), file, 'jsonl', { since, until }, T0);
    const text = readFileSync(file);
    assert.equal(m.records, 20);
    assert.equal(m.sha256, createHash('sha256').update(text).digest('hex'));
    assert.deepEqual(JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8')), m);
    // Each line embeds the record's stored text verbatim: slice it out (or re-serialize the parsed object) and re-hash.
    const lines = text.toString('utf8').trim().split('\n').map((l) => {
      const parsed = JSON.parse(l) as { seq: number; prevHash: string; hash: string; record: object };
      const sliced = l.slice(l.indexOf('"record":') + '"record":'.length, -1);
      assert.equal(JSON.stringify(parsed.record), sliced);
      return { ...parsed, record: sliced };
    });
    assert.deepEqual(lines.map((l) => l.seq), Array.from({ length: 20 }, (_, i) => 11 + i));
    // Anyone can re-check the chain from the export alone.
    for (const [i, l] of lines.entries()) {
      assert.equal(chainHash(l.prevHash, l.record), l.hash);
      if (i) assert.equal(l.prevHash, lines[i - 1]!.hash);
    }
    assert.equal(m.firstHash, lines[0]!.hash);
    assert.equal(m.lastHash, lines.at(-1)!.hash);

    const csv = join(dir, 'out.csv');
    const mc = await exportDecisions(log.scan({ since, until }), csv, 'csv', { since, until }, T0);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(rows.length, 21);
    assert.equal(mc.records, 20);
    assert.match(rows[1]!, /^11,d10,2026-03-01T00:10:00.000Z,user2@example.com,,p_0000000000000002,\/tickets\/1,POST,,allow,allowed_by_role,/);
  });

  it('export lines are byte for byte "{seq,prevHash,hash,record}" across chunks, with any text in the records; CSV matches the parsed records', async () => {
    const dir = tempDir();
    const log = DecisionLogStore.open(join(dir, 'd.db'));
    // Quotes, commas, escaped line breaks, non-ASCII, astral and escaped-surrogate text; enough records for several export chunks.
    const odd = ['plain', 'a "quoted", comma', 'line\nbreak\r', 'Zoë Ærø 東京', 'emoji 🧪', 'lone \ud800 surrogate', 'tab\tback\\slash', 'ctl \u0001'];
    const rows: { decisionId: string; at: number; subject: string; principalId: string | null; route: string; decision: string; record: string; prevHash: string; hash: string }[] = [];
    let prev = '0'.repeat(64);
    for (let i = 0; i < 4_500; i++) {
      // One subject longer than the CSV writer's buffer.
      const text = i === 3_000 ? 'ü'.repeat(400_000) : odd[i % odd.length]!;
      const record = JSON.stringify({ decisionId: `d${i}`, at: T0 + i * 1000, subject: { id: `${text}@example.com`, issuer: i % 3 ? null : text, kind: null }, route: '/v1/chat', method: 'POST', action: null, resource: null, context: { note: text }, decision: 'allow', reason: 'allowed_by_role', principal: i % 5 ? `p_${String(i).padStart(16, '0')}` : null, roles: ['staff'], authorizedBy: i % 2 ? { role: 'staff', policy: text, rule: 'r' } : null, roleStateVersion: i, policyVersion: 'sha256:x', staleness_s: null });
      const hash = chainHash(prev, record);
      rows.push({ decisionId: `d${i}`, at: T0 + i * 1000, subject: `${text}@example.com`, principalId: null, route: '/v1/chat', decision: 'allow', record, prevHash: prev, hash });
      prev = hash;
    }
    log.append(rows);
    for (const window of [{}, { since: T0 + 1_000 * 1000, until: T0 + 3_999 * 1000 }]) {
      const file = join(dir, 'all.jsonl');
      const m = await exportDecisions(log.scan(window), file, 'jsonl', window, T0);
      const want = [...log.scan(window)];
      const text = want.map((r) => `{"seq":${r.seq},"prevHash":"${r.prevHash}","hash":"${r.hash}","record":${r.record}}\n`).join('');
      assert.ok(readFileSync(file).equals(Buffer.from(text, 'utf8')));
      assert.deepEqual([m.records, m.firstSeq, m.lastSeq, m.firstHash, m.lastHash], [want.length, want[0]!.seq, want.at(-1)!.seq, want[0]!.hash, want.at(-1)!.hash]);
      assert.equal(m.sha256, createHash('sha256').update(text, 'utf8').digest('hex'));
    }
    const csv = join(dir, 'all.csv');
    await exportDecisions(log.scan(), csv, 'csv', {}, T0);
    const parsed = [...log.scan()].map((r) => ({ ...r, d: JSON.parse(r.record) as { decisionId: string; at: number; subject: { id: string; issuer: string | null }; principal: string | null; authorizedBy: { role: string; policy: string; rule: string } | null; roleStateVersion: number } }));
    const wantCsv = parsed.map(({ seq, prevHash, hash, d }) => csvLine([String(seq), d.decisionId, new Date(d.at).toISOString(), d.subject.id, d.subject.issuer ?? '', d.principal ?? '', '/v1/chat', 'POST', '', 'allow', 'allowed_by_role', d.authorizedBy?.role ?? '', d.authorizedBy?.policy ?? '', d.authorizedBy?.rule ?? '', String(d.roleStateVersion), 'sha256:x', prevHash, hash]));
    const header = 'seq,decision_id,at,subject,issuer,principal,route,method,action,decision,reason,role,policy,rule,role_state_version,policy_version,prev_hash,hash\n';
    assert.ok(readFileSync(csv).equals(Buffer.from(header + wantCsv.join(''), 'utf8')));
    const lines = readFileSync(csv, 'utf8').split('\n');
    assert.equal(lines[2], `2,d1,2026-03-01T00:00:01.000Z,"a ""quoted"", comma@example.com",,p_0000000000000001,/v1/chat,POST,,allow,allowed_by_role,staff,"a ""quoted"", comma",r,1,sha256:x,${rows[0]!.hash},${rows[1]!.hash}`);
    log.close();
  });

  it('an export that fails midway leaves neither the file nor a partial one', async () => {
    const dir = tempDir();
    const { log } = logWith(10);
    const file = join(dir, 'broken.jsonl');
    // A scan whose second chunk cannot be read (a failing disk, a closed database).
    const real = log.scan();
    const failing = {
      *jsonl() {
        const chunks = real.jsonl();
        yield chunks.next().value!;
        throw new Error('disk I/O error');
      },
    } as unknown as typeof real;
    await assert.rejects(exportDecisions(failing, file, 'jsonl', {}, T0), /disk I\/O error/);
    assert.deepEqual(readdirSync(dir), []);
    // And a file in a directory that does not exist is a clear failure, nothing written.
    await assert.rejects(exportDecisions(log.scan(), join(dir, 'missing', 'x.jsonl'), 'jsonl', {}, T0), /ENOENT/);
    assert.deepEqual(readdirSync(dir), []);
    // The disk fails at the last write or at the final fsync (faults injected into node's file handle).
    const handle = await open('/dev/null', 'r');
    const proto = Object.getPrototypeOf(handle) as Record<'write' | 'sync', unknown>;
    await handle.close();
    for (const [method, code] of [['write', 'ENOSPC'], ['sync', 'EIO']] as const) {
      const original = proto[method];
      proto[method] = () => Promise.reject(Object.assign(new Error(`${code}: injected`), { code }));
      try {
        await assert.rejects(exportDecisions(log.scan(), join(dir, `${method}.jsonl`), 'jsonl', {}, T0), new RegExp(code));
      } finally {
        proto[method] = original;
      }
      assert.deepEqual(readdirSync(dir), [], `after a failing ${method}`);
    }
    log.close();
  });

  it('retention past every record keeps the newest: new records chain and number on from it', () => {
    const { log } = logWith(30);
    assert.equal(log.compact(T0 + 10_000 * 60_000, T0).removed, 29);
    assert.equal(log.head()?.seq, 30);
    const w = new DecisionLogWriter(log, { mode: 'async', windowMs: 60_000, maxBatch: 9 });
    w.append({ decisionId: 'after', at: T0 + 20_000 * 60_000, request: { subject: { id: 'x@example.com' }, route: '/v1/chat' }, decision: { decision: 'deny', reason: 'unknown_subject', roles: [], roleStateVersion: 1, policyVersion: 'sha256:x' } });
    w.close();
    assert.equal(log.compact(T0 + 30_000 * 60_000, T0).removed, 1);
    assert.equal(log.head()?.seq, 31);
    const v = serviceOf(log).verify({}).chain;
    assert.equal(v.ok, true);
    assert.equal(v.records, 1);
  });

  it('search filters by subject, principal, route, decision and time, and pages without gaps', () => {
    const { log } = logWith(50);
    const s = serviceOf(log);
    const all: number[] = [];
    let after = 0;
    for (;;) {
      const page = s.search({ route: '/v1/chat', decision: 'allow', after, limit: 7 });
      all.push(...(page.records as { seq: number }[]).map((r) => r.seq));
      if (page.next === null) break;
      after = page.next;
    }
    const want = Array.from({ length: 50 }, (_, i) => i).filter((i) => i % 2 === 1 && i % 3 !== 0).map((i) => i + 1);
    assert.deepEqual(all, want);
    const bySubject = s.search({ subject: 'user1@example.com', since: T0 + 20 * 60_000, limit: 100 }).records as { decisionId: string }[];
    assert.deepEqual(bySubject.map((r) => r.decisionId), ['d21', 'd25', 'd29', 'd33', 'd37', 'd41', 'd45', 'd49']);
    const byPrincipal = s.search({ subject: 'p_0000000000000001', limit: 100 }).records;
    assert.equal(byPrincipal.length, 13);
  });

  it('retention removes old records and moves the anchor: the rest verifies, heads inside the window still match', () => {
    const { log, dir } = logWith(120);
    const heads = headsFile(log, dir);
    const removed = log.compact(T0 + 100 * 60_000, T0 + 200 * 60_000).removed;
    assert.equal(removed, 100);
    const s = serviceOf(log);
    const v = s.verify({ headsFile: heads });
    assert.equal(v.chain.ok, true);
    assert.equal(v.chain.records, 20);
    assert.deepEqual(v.heads, { ok: true, checked: 1 });
    // Removing one more record by hand (not through compaction) is still caught.
    log.db.prepare('DELETE FROM decisions WHERE seq = 101').run();
    const bad = s.verify({}).chain;
    assert.equal(!bad.ok && bad.seq, 102);
    // A head file that was edited is an error, not ignored.
    writeFileSync(heads, 'not json\n');
    assert.throws(() => s.verify({ headsFile: heads }));
  });
});
