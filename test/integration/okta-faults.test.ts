/**
 * Faults between the `okta` connector and the fake: 5xx answers, timeouts and dropped
 * connections are retried with backoff; a failure that outlasts the retries in the middle of
 * pagination fails the run, and through a real applier nothing of it is committed and the cursor
 * stays where it was. A group deleted while it is read is left out.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { OktaSourceError } from '../../connectors/okta/index.js';
import { oktaConnector, secretsDir, syncAndApply } from '../fakes/okta/harness.js';
import { fakeOptions, OKTA_ROLES, rolesOf, smallOrg, SOURCE, storedCursor } from '../fakes/okta/scenario.js';
import { testApplier } from '../support/test-applier.js';

const dir = secretsDir();
const fakes: { stop(): Promise<void> }[] = [];
after(async () => {
  for (const f of fakes) await f.stop();
});

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('okta connector: faults', { timeout: 30_000 }, () => {
  it('retries 5xx answers, a timeout and a dropped connection, then completes', async () => {
    const org = await smallOrg(20);
    fakes.push(org.fake);
    const f = org.fake;
    f.inject({ match: (r) => r.path === '/api/v1/users' && r.query.has('after'), skip: 1, count: 2, status: 503 });
    f.inject({ match: (r) => r.path === '/api/v1/groups', count: 1, status: 500 });
    f.inject({ match: (r) => r.path === `/api/v1/groups/${org.groups.engineering}/users`, skip: 1, count: 1, delayMs: 800, status: 200 });
    f.inject({ match: (r) => r.path === `/api/v1/groups/${org.groups.ops}/users`, count: 1, destroy: true });
    const t = testApplier(OKTA_ROLES);
    const { connector, log } = oktaConnector(SOURCE, fakeOptions(f, { requestTimeout: '400ms' }), dir);
    const { result } = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    assert.ok(f.faults.every((x) => x.count === 0), 'every fault was hit');
    const retries = log.lines.filter((l) => l.msg === 'Okta request failed; retrying');
    assert.equal(retries.length, 5, log.text());
    assert.ok(retries.some((l) => /no complete response within 400 ms/.test(JSON.stringify(l.obj))));
    const v = result.version!.id;
    assert.deepEqual(rolesOf(t, 'bob@example.com', v), ['engineer', 'operator']);
    assert.equal(t.store.history.membersAt('engineer', v).length, 23);
  });

  it('a failure in the middle of pagination commits nothing and keeps the cursor (full and incremental)', async () => {
    const org = await smallOrg(30);
    fakes.push(org.fake);
    const f = org.fake;
    const t = testApplier(OKTA_ROLES);
    const { connector } = oktaConnector(SOURCE, fakeOptions(f), dir);
    const first = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    const v1 = first.result.version!.id;
    const cursor1 = storedCursor(t);
    await tick();

    // Changes the failed runs must not half-apply.
    f.org.removeMember(org.groups.engineering, org.ids.alice);
    f.org.addMember(org.groups.ops, org.ids.alice);
    f.org.updateUser(org.ids.bob, { department: 'Cardiology' });

    // A full run whose users listing fails for good on its third page (after batches were delivered).
    f.inject({ match: (r) => r.path === '/api/v1/users' && r.query.has('after'), skip: 1, count: 100, status: 500 });
    let delivered = 0;
    const err = await syncAndApply(connector, t.applier, t.store, { mode: 'full', onBatch: () => void delivered++ }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof OktaSourceError, String(err));
    assert.equal(err.fault, 'server');
    assert.match(err.message, /^Okta source "okta": \/api\/v1\/users answered 500 .*after retries/);
    assert.ok(delivered >= 1, 'batches had already reached the applier');
    assert.equal(t.store.history.latestVersion()!.id, v1, 'no new version');
    assert.equal(storedCursor(t), cursor1, 'cursor unchanged');
    assert.deepEqual(rolesOf(t, 'alice@example.com', v1), ['cardiologist', 'engineer']);
    f.faults.length = 0;

    // An incremental run whose member re-read fails on its second page.
    f.inject({ match: (r) => r.path === `/api/v1/groups/${org.groups.engineering}/users` && r.query.has('after'), count: 100, status: 502 });
    await assert.rejects(syncAndApply(connector, t.applier, t.store), (e: unknown) => e instanceof OktaSourceError && /502/.test(e.message));
    assert.equal(t.store.history.latestVersion()!.id, v1);
    assert.equal(storedCursor(t), cursor1);
    f.faults.length = 0;

    // Once Okta answers again, the next incremental run applies everything since the old cursor.
    const ok = await syncAndApply(connector, t.applier, t.store);
    assert.equal(ok.run.kind, 'delta');
    const v2 = ok.result.version!.id;
    assert.deepEqual(rolesOf(t, 'alice@example.com', v2), ['cardiologist', 'operator']);
    assert.deepEqual(rolesOf(t, 'bob@example.com', v2), ['cardiologist', 'engineer', 'operator']);
    assert.equal(storedCursor(t), ok.run.cursor(), 'the cursor moves with a successful run');
  });

  it('leaves out a group deleted while its members are read', async () => {
    const org = await smallOrg(3);
    fakes.push(org.fake);
    org.fake.inject({ match: (r) => r.path === `/api/v1/groups/${org.groups.ops}/users`, count: 1, status: 404, body: { errorCode: 'E0000007', errorSummary: 'Not found' } });
    const t = testApplier(OKTA_ROLES);
    const { connector } = oktaConnector(SOURCE, fakeOptions(org.fake), dir);
    const { result } = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    assert.deepEqual(rolesOf(t, 'carol@example.com', result.version!.id), []);
    assert.deepEqual(rolesOf(t, 'bob@example.com', result.version!.id), ['engineer']);
  });

  it('an aborted run stops its requests and fails', async () => {
    // A run that keeps going after the abort would read the rest of the org's pages; one that
    // stops can only see the requests already in flight arrive (at most `concurrency`). Counting
    // them, not timing them, keeps the check true on a machine whose event loop lags.
    const concurrency = 2;
    const whole = await smallOrg(30, { latencyMs: 30 });
    fakes.push(whole.fake);
    const full = oktaConnector(SOURCE, fakeOptions(whole.fake, { rateLimit: { concurrency } }), dir);
    const wholeTarget = testApplier(OKTA_ROLES);
    await syncAndApply(full.connector, wholeTarget.applier, wholeTarget.store, { mode: 'full' });
    const requestsOfWholeRun = whole.fake.requests.length;

    const org = await smallOrg(30, { latencyMs: 30 });
    fakes.push(org.fake);
    const t = testApplier(OKTA_ROLES);
    const { connector } = oktaConnector(SOURCE, fakeOptions(org.fake, { rateLimit: { concurrency } }), dir);
    const ac = new AbortController();
    let arrivedBeforeAbort = -1;
    setTimeout(() => {
      arrivedBeforeAbort = org.fake.requests.length;
      ac.abort(new Error('shutting down'));
    }, 80);
    await assert.rejects(syncAndApply(connector, t.applier, t.store, { mode: 'full', signal: ac.signal }), /aborted: shutting down/);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(arrivedBeforeAbort > 0);
    const afterAbort = org.fake.requests.length - arrivedBeforeAbort;
    assert.ok(requestsOfWholeRun > arrivedBeforeAbort + concurrency + 2, `the whole run makes ${requestsOfWholeRun} requests, enough to notice one that goes on`);
    assert.ok(afterAbort <= concurrency, `only requests in flight at the abort arrive after it (${afterAbort})`);
    assert.equal(t.store.history.latestVersion(), null);
  });
});
