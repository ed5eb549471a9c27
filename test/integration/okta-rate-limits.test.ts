/**
 * The `okta` connector within Okta's rate limits, against the fake (limits per window in
 * scaled-down time): a sync that spans many windows without one 429 from the limits, a 429
 * storm honoured until its reset, 429s without a reset header, and the concurrency cap.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { oktaConnector, secretsDir, syncAndApply } from '../fakes/okta/harness.js';
import { fakeOptions, OKTA_ROLES, rolesOf, smallOrg, SOURCE } from '../fakes/okta/scenario.js';
import { testApplier } from '../support/test-applier.js';

const dir = secretsDir();
const fakes: { stop(): Promise<void> }[] = [];
after(async () => {
  for (const f of fakes) await f.stop();
});

describe('okta connector: rate limits', { timeout: 40_000 }, () => {
  it('keeps going across rate-limit windows without a single 429, reporting items and waits', async () => {
    // 2 s windows: users 4 a window, groups (lists and members) 6 a window.
    const org = await smallOrg(60, { windowMs: 2000, limits: { users: 4, groups: 6 } });
    fakes.push(org.fake);
    const t = testApplier(OKTA_ROLES);
    const { connector, log } = oktaConnector(SOURCE, fakeOptions(org.fake), dir);
    const started = Date.now();
    const { result, progress } = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    const userPages = Math.ceil(66 / 7);
    const groupRequests = org.fake.count((r) => r.bucket === 'groups');
    assert.equal(org.fake.enforced429, 0, 'no request was wasted on a 429 the headers predicted');
    assert.equal(org.fake.count((r) => r.path === '/api/v1/users'), userPages);
    // The slowest bucket sets the floor: (requests − 1) / limit whole windows at least.
    const windows = Math.max(Math.ceil(userPages / 4), Math.ceil(groupRequests / 6)) - 1;
    assert.ok(Date.now() - started >= (windows - 1) * 2000, 'spread over the windows');
    for (const bucket of ['users', 'groups'] as const) {
      const perWindow = new Map<number, number>();
      for (const r of org.fake.requests.filter((x) => x.bucket === bucket)) perWindow.set(Math.floor(r.at / 2000), (perWindow.get(Math.floor(r.at / 2000)) ?? 0) + 1);
      assert.ok([...perWindow.values()].every((n) => n <= (bucket === 'users' ? 4 : 6)), `${bucket}: ${[...perWindow.values()]}`);
    }
    const last = progress.at(-1)!;
    assert.ok(last.waits! >= windows - 1, `waits reported (${last.waits})`);
    assert.ok(last.waitedMs! > 1000);
    assert.match(last.note!, /full: users 66, groups 3\/3, memberships 66/);
    assert.ok(log.lines.some((l) => l.msg === 'Okta rate limit: waiting for the groups window to reset'), 'waits are logged');
    assert.deepEqual(rolesOf(t, 'bulk59@example.com', result.version!.id), ['engineer']);
  });

  it('a 429 storm: waits for the reset it announces, then finishes', async () => {
    const org = await smallOrg(40);
    fakes.push(org.fake);
    const t = testApplier(OKTA_ROLES);
    const { connector, log } = oktaConnector(SOURCE, fakeOptions(org.fake), dir);
    let stormAt = 0;
    const { result, progress } = await syncAndApply(connector, t.applier, t.store, {
      mode: 'full',
      onBatch: (_b, n) => {
        if (n === 1) {
          stormAt = Date.now();
          org.fake.storm(1500);
        }
      },
    });
    assert.ok(stormAt > 0);
    assert.ok(org.fake.injected429 >= 1, 'the storm hit');
    assert.ok(org.fake.injected429 <= 4, `each waiting request retried once after the reset, no hammering (${org.fake.injected429} 429s)`);
    const after429 = org.fake.requests.filter((r) => r.at > stormAt && r.status === 200);
    assert.ok(after429.every((r) => r.at >= Math.ceil((stormAt + 1500) / 1000) * 1000), 'nothing was sent before the reset');
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.msg === 'Okta answered 429; waiting for the reset'));
    assert.ok(progress.at(-1)!.waits! >= 1);
    assert.deepEqual(rolesOf(t, 'bulk39@example.com', result.version!.id), ['engineer']);
  });

  it('a 429 without X-Rate-Limit-Reset is retried with backoff', async () => {
    const org = await smallOrg(3);
    fakes.push(org.fake);
    const t = testApplier(OKTA_ROLES);
    org.fake.inject({ match: (r) => r.path === '/api/v1/users', count: 2, status: 429, headers: {} });
    const { connector } = oktaConnector(SOURCE, fakeOptions(org.fake), dir);
    const { result } = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    assert.equal(org.fake.injected429, 2);
    assert.deepEqual(rolesOf(t, 'alice@example.com', result.version!.id), ['cardiologist', 'engineer']);
  });

  it('never has more requests in flight than rateLimit.concurrency', async () => {
    const org = await smallOrg(40, { latencyMs: 25 });
    fakes.push(org.fake);
    const t = testApplier(OKTA_ROLES);
    const { connector } = oktaConnector(SOURCE, fakeOptions(org.fake, { rateLimit: { concurrency: 2 } }), dir);
    await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    assert.equal(org.fake.maxInFlight, 2, 'users and groups are read side by side, two at most');
  });
});
