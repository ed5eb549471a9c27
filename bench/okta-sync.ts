/**
 * Okta connector benchmark: a full sync of a large fake org whose fake enforces Okta's published
 * per-endpoint rate limits in scaled-down time, measured against the floor those limits set, then
 * incremental rounds with 1% of the org changed.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/okta-sync.js [--users 100000] [--groups 5000]
 *     [--memberships 1000000] [--scale 10] [--concurrency 4] [--skip-delta]
 *
 * `--scale 10` runs Okta's 60 s windows as 6 s windows (limits per window unchanged). The fake
 * runs in a worker thread; the connector is the real one, built by its factory, over the real SDK.
 * Floor per bucket: requests it needed ÷ its limit per window × window length; the run's floor is
 * that of the slowest bucket (the buckets are independent and read at the same time).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PollConnector, SourceBatch, SyncProgress } from '../connectors/connector.js';
import { shapeOf } from '../connectors/okta/cursor.js';
import { oktaConnectorFactory } from '../connectors/okta/index.js';
import { readSecret } from '../src/config/secret-ref.js';
import type { OrgSummary } from '../test/fakes/okta/generate.js';
import { OKTA_WORKFORCE_LIMITS } from '../test/fakes/okta/rate-limits.js';
import { FakeOktaWorker, type ChangeSummary, type FakeStats } from '../test/fakes/okta/worker.js';
import { peakRssMb } from './measure.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    groups: { type: 'string', default: '5000' },
    memberships: { type: 'string', default: '1000000' },
    scale: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '4' },
    'skip-delta': { type: 'boolean', default: false },
  },
});
const scale = Number(args.scale);
const windowMs = 60_000 / scale;
if (!Number.isInteger(windowMs / 1000)) throw new Error('--scale must make the 60 s window a whole number of seconds (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)');

const fake = new FakeOktaWorker();
const { url, summary } = await fake.call<{ url: string; summary: OrgSummary }>({
  cmd: 'start',
  spec: { users: Number(args.users), groups: Number(args.groups), memberships: Number(args.memberships), seed: 7 },
  options: { windowMs, apiTokens: ['bench-token'] },
});
console.log(
  `fake org: ${summary.users} users, ${summary.groups} groups, ${summary.memberships} memberships (largest group ${summary.largestGroup}); ` +
    `Okta Workforce limits per ${windowMs / 1000}s window (= 1 min / ${scale}): users ${OKTA_WORKFORCE_LIMITS.users}, groups ${OKTA_WORKFORCE_LIMITS.groups}, logs ${OKTA_WORKFORCE_LIMITS.logs}`,
);

const dir = mkdtempSync(join(tmpdir(), 'roster-okta-bench-'));
writeFileSync(join(dir, 'okta.token'), 'bench-token\n', { mode: 0o600 });
const options = (systemLog: boolean, memberships: 'group-reads' | 'system-log') => ({
  orgUrl: url,
  auth: { type: 'apiToken', token: { file: 'okta.token' } },
  rateLimit: { concurrency: Number(args.concurrency) },
  incremental: { systemLog, memberships, overlap: '1s' },
});
const connector = (systemLog: boolean, memberships: 'group-reads' | 'system-log'): PollConnector =>
  oktaConnectorFactory.create(
    oktaConnectorFactory.parseOptions(options(systemLog, memberships)),
    {
      sourceId: 'okta',
      baseDir: dir,
      readSecret: (ref) => readSecret(ref, dir, 'source "okta"'),
      log: { info: () => undefined, warn: (o, m) => console.warn('warn', m, JSON.stringify(o)), error: (o, m) => console.error('error', m, JSON.stringify(o)), debug: () => undefined },
    },
  ) as PollConnector;

async function run(c: PollConnector, cursor: string | null) {
  await fake.call({ cmd: 'resetStats' });
  let last: SyncProgress = { items: 0 };
  const counts = { accounts: 0, groups: 0, memberships: 0, replaced: 0, removed: 0 };
  const t0 = performance.now();
  const startedAt = Date.now();
  const r = await c.sync({ cursor, mode: cursor ? 'incremental' : 'full', signal: new AbortController().signal, progress: (p) => (last = p), now: Date.now });
  for await (const b of r.batches as AsyncIterable<SourceBatch>) {
    counts.accounts += b.accounts?.length ?? 0;
    counts.groups += b.groups?.length ?? 0;
    counts.memberships += (b.memberships?.length ?? 0) + (b.replaceMembers ?? []).reduce((n, x) => n + x.members.length, 0);
    counts.replaced += b.replaceMembers?.length ?? 0;
    counts.removed += (b.removedAccounts?.length ?? 0) + (b.removedGroups?.length ?? 0) + (b.removedMemberships?.length ?? 0);
  }
  const ms = performance.now() - t0;
  const stats = await fake.call<FakeStats>({ cmd: 'stats' });
  return { ms, counts, stats, progress: last, cursor: r.cursor(), kind: r.kind, phaseMs: startedAt - stats.firstWindowStart };
}

function floorMs(stats: FakeStats): { ms: number; bucket: string } {
  let best = { ms: 0, bucket: '-' };
  for (const [bucket, n] of Object.entries(stats.byBucket)) {
    const limit = stats.limits[bucket as keyof FakeStats['limits']];
    const ms = (n / limit) * stats.windowMs;
    if (ms > best.ms) best = { ms, bucket };
  }
  return best;
}

const full = await run(connector(false, 'group-reads'), null);
const floor = floorMs(full.stats);
const toReal = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const toOkta = (ms: number): string => `${((ms * scale) / 60_000).toFixed(2)} Okta-min`;
console.log(`\n== full sync ==`);
console.log(`delivered: ${full.counts.accounts} accounts, ${full.counts.groups} groups, ${full.counts.memberships} memberships`);
console.log(`requests: ${full.stats.requests} (${Object.entries(full.stats.byBucket).map(([k, v]) => `${k} ${v}`).join(', ')})`);
console.log(`429s: ${full.stats.enforced429} from the rate limits, ${full.stats.injected429} injected`);
console.log(`started ${(full.phaseMs / 1000).toFixed(1)} s into its first ${windowMs / 1000}s window`);
console.log(`rate-limit waits: ${full.progress.waits ?? 0} (${toReal(full.progress.waitedMs ?? 0)} waited)`);
console.log(`wall time: ${toReal(full.ms)} (${toOkta(full.ms)}); floor set by the ${floor.bucket} bucket: ${toReal(floor.ms)} (${toOkta(floor.ms)}); ratio ${(full.ms / floor.ms).toFixed(3)}`);
// With windows that reset on the clock, the last window's requests can start no earlier than
// (ceil(requests / limit) − 1) windows after the first window opened.
const n = full.stats.byBucket[floor.bucket]!;
const limit = full.stats.limits[floor.bucket as keyof FakeStats['limits']];
const fixed = (Math.ceil(n / limit) - 1) * windowMs - full.phaseMs;
console.log(`fixed-window floor (when the last window the ${n} requests need opens): ${toReal(fixed)}; wall time − that: ${toReal(full.ms - fixed)}`);
console.log(`requests per ${windowMs / 1000}s window: ${Object.entries(full.stats.windows).map(([b, w]) => `${b} [${w.join(' ')}]`).join('; ')}`);
console.log(`peak RSS: ${peakRssMb()} MB`);

if (!args['skip-delta']) {
  // Round after round: each one reads what changed since the previous run (less the overlap, 1 s
  // here; the changes of a round are made more than the overlap before its run starts, so a
  // round never re-reads the previous round's changes).
  let cursor = full.cursor!;
  for (const [label, systemLog, memberships] of [
    ['group re-reads', false, 'group-reads'],
    ['System Log events', true, 'system-log'],
  ] as const) {
    const c = connector(systemLog, memberships);
    // The cursor's shape names the options it was written under; this round's options read the
    // same data (only the incremental strategy differs), so carry the position over.
    cursor = JSON.stringify({ ...JSON.parse(cursor), shape: shapeOf(oktaConnectorFactory.parseOptions(options(systemLog, memberships))) });
    const changed = await fake.call<ChangeSummary>({ cmd: 'change', fraction: 0.01, seed: label.length });
    await new Promise((r) => setTimeout(r, 3000));
    const delta = await run(c, cursor);
    cursor = delta.cursor!;
    console.log(`\n== incremental, 1% changed, memberships by ${label} ==`);
    console.log(
      `changed: ${changed.usersUpdated} users updated, ${changed.usersDeactivated} deactivated, ${changed.groupsChanged} groups with ` +
        `${changed.membershipsAdded} members added / ${changed.membershipsRemoved} removed`,
    );
    console.log(
      `run kind: ${delta.kind}; delivered: ${delta.counts.accounts} accounts, ${delta.counts.groups} groups, ${delta.counts.replaced} member lists ` +
        `(${delta.counts.memberships} members), ${delta.counts.removed} removals`,
    );
    console.log(`requests: ${delta.stats.requests} (${Object.entries(delta.stats.byBucket).map(([k, v]) => `${k} ${v}`).join(', ')}); 429s ${delta.stats.enforced429}; wall ${toReal(delta.ms)}`);
  }
}
await fake.stop();
