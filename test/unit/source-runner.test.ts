import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PollConnector, SyncRequest, SyncRun } from '../../connectors/connector.js';
import { createLogger } from '../../src/log/create-logger.js';
import { backoffDelay } from '../../src/sync/backoff.js';
import { SourceRunner } from '../../src/sync/source-runner.js';
import { user } from '../support/builders.js';
import { testApplier } from '../support/test-applier.js';

class FakeConnector implements PollConnector {
  readonly sourceId = 'fake';
  calls: SyncRequest[] = [];
  failNext = 0;
  gate: Promise<void> = Promise.resolve();
  async sync(req: SyncRequest): Promise<SyncRun> {
    this.calls.push(req);
    await this.gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('connect ECONNREFUSED 127.0.0.1:389');
    }
    const n = this.calls.length;
    return {
      kind: req.cursor ? 'delta' : 'full',
      batches: (async function* () {
        yield { accounts: [user(`u${n}`)] };
      })(),
      cursor: () => `c${n}`,
    };
  }
}

const silent = () => createLogger('silent');
const settings = { fullSyncEveryMs: 3_600_000, retryInitialMs: 20, retryMaxMs: 100 };

describe('source runner', () => {
  it('runs full first, then incremental from the committed cursor', async () => {
    const t = testApplier({ linking: [], roles: [] });
    const c = new FakeConnector();
    const r = new SourceRunner(c, t.applier, t.store, settings, silent(), t.now);
    await r.run();
    await r.run();
    assert.deepEqual(c.calls.map((x) => [x.mode, x.cursor]), [['full', null], ['incremental', 'c1']]);
    assert.equal(t.store.syncStates()[0]?.cursor, 'c2');
    await r.run({ full: true });
    assert.equal(c.calls[2]?.mode, 'full');
  });

  it('records live progress (items, rate-limit waits) for roster status, and clears it when the run ends', async () => {
    const t = testApplier({ linking: [], roles: [] });
    const c = new FakeConnector();
    let open!: () => void;
    const gate = new Promise<void>((res) => (open = res));
    const slow: PollConnector = {
      sourceId: 'fake',
      async sync(req) {
        req.progress({ items: 4200, waits: 3, waitedMs: 45_000, note: 'throttled by Graph (Retry-After 15s)' });
        await gate;
        return c.sync(req);
      },
    };
    const r = new SourceRunner(slow, t.applier, t.store, settings, silent(), t.now);
    const run = r.run();
    await sleep(10);
    const during = JSON.parse(t.store.syncStates()[0]!.progress!);
    assert.equal(during.items, 4200);
    assert.equal(during.waits, 3);
    assert.match(during.note, /throttled/);
    open();
    await run;
    assert.equal(t.store.syncStates()[0]!.progress, null);
  });

  it('is single-flight: a second trigger joins the run in flight', async () => {
    const t = testApplier({ linking: [], roles: [] });
    const c = new FakeConnector();
    let open!: () => void;
    c.gate = new Promise((res) => (open = res));
    const r = new SourceRunner(c, t.applier, t.store, settings, silent(), t.now);
    const a = r.run();
    const b = r.run();
    r.tick();
    assert.equal(r.status().running, true);
    open();
    assert.equal(await a, await b);
    assert.equal(c.calls.length, 1);
  });

  it('records a failure, keeps the last good state, and retries with backoff until it succeeds', async () => {
    const t = testApplier({ linking: [], roles: [] });
    const c = new FakeConnector();
    const r = new SourceRunner(c, t.applier, t.store, settings, silent(), Date.now);
    await r.run();
    c.failNext = 2;
    await assert.rejects(r.run(), /ECONNREFUSED/);
    const st = t.store.syncStates()[0]!;
    assert.equal(st.consecutiveFailures, 1);
    assert.match(st.lastError ?? '', /ECONNREFUSED/);
    assert.equal(st.cursor, 'c1', 'the cursor did not move');
    assert.ok(r.status().nextRetryAt, 'a retry is scheduled');
    for (let i = 0; i < 100 && t.store.syncStates()[0]!.consecutiveFailures !== 0; i++) await sleep(20);
    assert.equal(t.store.syncStates()[0]!.consecutiveFailures, 0, 'a retry succeeded');
    assert.equal(c.calls.length, 4);
    await r.stop();
  });

  it('backoff grows, is capped and jittered', () => {
    assert.equal(backoffDelay(1, 1000, 60_000, () => 1), 1000);
    assert.equal(backoffDelay(3, 1000, 60_000, () => 1), 4000);
    assert.equal(backoffDelay(20, 1000, 60_000, () => 1), 60_000);
    assert.equal(backoffDelay(3, 1000, 60_000, () => 0), 2000);
  });
});

describe('logger', () => {
  it('redacts secrets by key, wherever they sit', () => {
    let out = '';
    const sink = new Writable({ write(chunk, _enc, cb) { out += chunk.toString(); cb(); } });
    const log = createLogger('info', sink);
    log.info({ source: 'ldap', options: { bindPassword: 'hunter2', url: 'ldap://x' }, token: 'abc', nested: { deep: { clientSecret: 'zzz' } } }, 'hello');
    assert.doesNotMatch(out, /hunter2|"abc"|zzz/);
    assert.match(out, /ldap:\/\/x/);
  });
});
