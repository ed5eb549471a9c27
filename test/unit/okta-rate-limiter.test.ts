import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketOf } from '../../connectors/okta/buckets.js';
import type { Clock } from '../../connectors/okta/clock.js';
import { RateLimiter, RateLimitExceededError, type RateLimitWait } from '../../connectors/okta/rate-limiter.js';

/** A clock whose sleeps pass instantly (time jumps), so waits are exact and tests fast. */
function virtualClock(start = Date.parse('2026-03-01T10:00:00.000Z')) {
  let t = start;
  const clock: Clock = {
    now: () => t,
    sleep: async (ms) => {
      t += Math.max(0, ms);
    },
  };
  return { clock, advance: (ms: number) => (t += ms), get t() {
    return t;
  } };
}

const headers = (limit: number, remaining: number, resetMs: number, dateMs?: number) => {
  const h: Record<string, string> = { 'x-rate-limit-limit': String(limit), 'x-rate-limit-remaining': String(remaining), 'x-rate-limit-reset': String(resetMs / 1000) };
  if (dateMs !== undefined) h.date = new Date(dateMs).toUTCString();
  return { get: (n: string) => h[n.toLowerCase()] ?? null };
};

const settings = { reserve: 0, slowdownBelow: 0, maxWaitMs: 120_000, marginMs: 0 };

describe('okta rate limiter', () => {
  it('maps URLs to Okta’s buckets', () => {
    const org = 'https://example.okta.com';
    assert.equal(bucketOf(`${org}/api/v1/users?limit=200&filter=x`), 'users');
    assert.equal(bucketOf(`${org}/api/v1/users/00u1`), 'user-by-id');
    assert.equal(bucketOf(`${org}/api/v1/groups?limit=10000`), 'groups');
    assert.equal(bucketOf(`${org}/api/v1/groups/00g1/users?after=x`), 'groups', 'member lists count as "/api/v1/groups except /api/v1/groups/{id}"');
    assert.equal(bucketOf(`${org}/api/v1/groups/00g1`), 'group-by-id');
    assert.equal(bucketOf(`${org}/api/v1/logs?since=x`), 'logs');
    assert.equal(bucketOf(`${org}/oauth2/v1/token`), 'token');
    assert.equal(bucketOf(`${org}/api/v1/apps`), 'api');
  });

  it('sends one request to an unknown bucket, then spends the budget the headers tell, then waits for the reset', async () => {
    const v = virtualClock();
    const rl = new RateLimiter(settings, v.clock);
    const waits: RateLimitWait[] = [];
    const onWait = (w: RateLimitWait) => waits.push(w);
    const reset = v.t + 10_000;
    await rl.acquire('users', undefined, onWait);
    // A second request must wait for the first answer (budget unknown).
    let second = false;
    const p = rl.acquire('users', undefined, onWait).then(() => (second = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(second, false);
    rl.settle('users', headers(3, 2, reset));
    await p;
    assert.equal(second, true);
    assert.equal(rl.state('users').inFlight, 1);
    rl.settle('users', headers(3, 1, reset));
    await rl.acquire('users', undefined, onWait);
    rl.settle('users', headers(3, 0, reset));
    assert.equal(v.t, Date.parse('2026-03-01T10:00:00.000Z'), 'no wait while budget lasted');
    await rl.acquire('users', undefined, onWait);
    assert.equal(v.t, reset, 'the fourth request waited exactly until the reset');
    assert.deepEqual(
      waits.filter((w) => w.reason === 'window').map((w) => [w.bucket, w.ms]),
      [['users', 10_000]],
    );
  });

  it('counts requests in flight against the budget (never more in flight than remain)', async () => {
    const v = virtualClock();
    const rl = new RateLimiter(settings, v.clock);
    const reset = v.t + 5_000;
    await rl.acquire('groups', undefined, () => undefined);
    rl.settle('groups', headers(10, 4, reset));
    for (let i = 0; i < 4; i++) await rl.acquire('groups', undefined, () => undefined);
    assert.equal(v.t, reset - 5_000, 'four granted at once');
    const before = v.t;
    await rl.acquire('groups', undefined, () => undefined);
    assert.equal(v.t - before, 5_000, 'the fifth waits: 4 remaining, 4 in flight');
  });

  it('keeps the reserve for other clients and spreads the end of a budget until the reset', async () => {
    const v = virtualClock();
    const rl = new RateLimiter({ reserve: 0.2, slowdownBelow: 0.5, maxWaitMs: 60_000, marginMs: 0 }, v.clock);
    const start = v.t;
    const reset = start + 10_000;
    await rl.acquire('users', undefined, () => undefined);
    rl.settle('users', headers(10, 9, reset));
    const sentAt: number[] = [];
    let remaining = 9;
    while (v.t < reset) {
      await rl.acquire('users', undefined, () => undefined);
      if (v.t >= reset) break;
      sentAt.push(v.t - start);
      rl.settle('users', headers(10, --remaining, reset));
    }
    // Reserve 2 of 10: 7 more after the first (9 remaining − 2). Below half the budget they are spread.
    assert.equal(sentAt.length, 7);
    assert.deepEqual(sentAt.slice(0, 4), [0, 0, 0, 0], 'a burst while more than half the budget is left');
    assert.ok(sentAt[6]! > 5_000 && sentAt[6]! < 10_000, `the last ones spread towards the reset (${sentAt.join(', ')})`);
  });

  it('honours a 429 until its reset, and ignores answers of an older window', async () => {
    const v = virtualClock();
    const rl = new RateLimiter(settings, v.clock);
    const w1 = v.t + 1_000;
    await rl.acquire('logs', undefined, () => undefined);
    rl.settle('logs', headers(120, 100, w1));
    await rl.acquire('logs', undefined, () => undefined);
    // Someone else spent the window: a 429 with remaining 0 and a later reset.
    const w2 = v.t + 7_000;
    rl.settle('logs', headers(120, 0, w2));
    const before = v.t;
    await rl.acquire('logs', undefined, () => undefined);
    assert.equal(v.t - before, 7_000);
    // An answer counted in the older window does not bring back the budget.
    rl.settle('logs', headers(120, 50, w1));
    assert.equal(rl.state('logs').resetAt, null, 'rolled over at w2; the stale answer taught nothing');
  });

  it('refuses to wait longer than maxWait', async () => {
    const v = virtualClock();
    const rl = new RateLimiter({ ...settings, maxWaitMs: 30_000 }, v.clock);
    await rl.acquire('users', undefined, () => undefined);
    rl.settle('users', headers(600, 0, v.t + 3_600_000));
    await assert.rejects(rl.acquire('users', undefined, () => undefined), RateLimitExceededError);
  });

  it('uses the server clock from Date headers (a local clock running behind waits longer, never less)', async () => {
    const v = virtualClock();
    const rl = new RateLimiter(settings, v.clock);
    // The server is 30 s ahead of us; its window resets 2 s after its "now".
    const serverNow = v.t + 30_000;
    await rl.acquire('users', undefined, () => undefined);
    rl.observeDate(new Date(serverNow).toUTCString(), v.t);
    rl.settle('users', headers(600, 0, Math.ceil((serverNow + 2_000) / 1000) * 1000));
    const before = v.t;
    await rl.acquire('users', undefined, () => undefined);
    const waited = v.t - before;
    assert.ok(waited >= 2_000 && waited <= 3_000, `waited ${waited} ms, not 32 s`);
  });

  it('stops waiting when the run is aborted', async () => {
    const rl = new RateLimiter(settings, {
      now: Date.now,
      sleep: (ms, signal) => new Promise((resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true })),
    });
    await rl.acquire('users', undefined, () => undefined);
    rl.settle('users', headers(600, 0, Date.now() + 60_000));
    const ac = new AbortController();
    const p = rl.acquire('users', ac.signal, () => undefined);
    ac.abort(new Error('shutting down'));
    await assert.rejects(p, /shutting down/);
  });
});
