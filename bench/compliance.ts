/**
 * Compliance benchmark: a year of hourly syncs on a 100k-user directory (real applier; each
 * hourly delta moves a few users between groups and departments; the policy changes now and
 * then) and millions of decision records (generated straight into the log with a valid hash
 * chain). Measures who-could p50/p99 at random times, timeline p50/p99, audit export and verify
 * records/s, and the database sizes.
 *   node --max-old-space-size=4096 dist/bench/compliance.js [users] [versions] [decisions] [usersPerVersion]
 * ROSTER_BENCH_DIR=dir keeps the generated stores in dir and reuses them on later runs (given the
 * same arguments); ROSTER_BENCH_ONLY=who-could,timeline,review,export,csv,verify runs only those parts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Applier } from '../src/apply/applier.js';
import { chainHash } from '../src/audit/chain-hash.js';
import { exportDecisions } from '../src/audit/export-decisions.js';
import { recordJson } from '../src/audit/record-json.js';
import { ComplianceService } from '../src/compliance/compliance-service.js';
import { parsePolicy } from '../src/config/load-policy.js';
import type { RosterConfig } from '../src/config/roster-config.js';
import type { Membership } from '../src/model/membership.js';
import { DecisionLogStore, GENESIS_HASH } from '../src/store/decision-log-store.js';
import { SqliteRoleStore } from '../src/store/sqlite-role-store.js';
import { directoryBatches, generatedRoles, generatedUser, SPEC_100K, SPEC_10K, userGroups, userId } from './generate-directory.js';
import { percentiles, timed } from './measure.js';
import { seededRandom } from './seeded-random.js';

const users = Number(process.argv[2] ?? 100_000);
const versions = Number(process.argv[3] ?? 9_000);
const decisions = Number(process.argv[4] ?? 10_000_000);
const perVersion = Number(process.argv[5] ?? 10);
const spec = users >= 100_000 ? SPEC_100K : { ...SPEC_10K, users };
const keep = process.env.ROSTER_BENCH_DIR;
if (keep) mkdirSync(keep, { recursive: true });
const dir = keep ?? mkdtempSync(join(tmpdir(), 'roster-bench-compliance-'));
const reused = keep !== undefined && existsSync(join(dir, 'generated.json'));
const only = process.env.ROSTER_BENCH_ONLY?.split(',');
const runs = (part: string): boolean => only === undefined || only.includes(part);
const HOUR = 3_600_000;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const r = seededRandom(11);

const TITLES = Array.from({ length: 40 }, (_, i) => `Title ${i}`);
const roles = [...generatedRoles(spec, 'dir'), { name: 'employee', rank: -1, grantedBy: [{ attribute: { source: 'dir', name: 'title', in: TITLES } }] }];
const roleNames = new Set(roles.map((x) => x.name));
const policyText = (variant: number): string => `combining: union
routes:
  - { name: chat, path: /v1/chat/completions, methods: [POST] }
  - { name: admin, pathGlob: /admin/** }
rules:
  - { name: employees-chat, effect: allow, roles: [employee], routes: [chat], actions: [invoke] }
  - { name: role-${variant % 7}-no-phi, effect: deny, roles: [role-${variant % 7}], routes: [chat], when: { context.dataClasses: { contains: PHI } } }
  - { name: admins, effect: allow, roles: [${Array.from({ length: 10 }, (_, i) => `role-${i}`).join(', ')}], routes: [admin] }
`;

let clock = T0;
const store = SqliteRoleStore.openWritable(join(dir, 'roster.db'));
const activate = (variant: number): string => {
  const text = policyText(variant);
  const hash = parsePolicy(text, 'bench', roleNames).hash;
  store.policies.activate(hash, text, clock);
  return hash;
};

console.log(`history: ${users} users, ${versions} hourly versions of ${perVersion} changed users; ${decisions} decision records${reused ? ` (reused from ${dir})` : ''}`);
const shape = { users, versions, decisions, perVersion };
if (reused) {
  const saved = JSON.parse(readFileSync(join(dir, 'generated.json'), 'utf8')) as typeof shape & { clock: number };
  if (JSON.stringify({ ...saved, clock: undefined }) !== JSON.stringify(shape)) throw new Error(`${dir} holds ${JSON.stringify(saved)}, not ${JSON.stringify(shape)}`);
  clock = saved.clock;
} else await generateHistory();
const log = DecisionLogStore.open(join(dir, 'roster-decisions.db'));
if (!reused) {
  await generateDecisions();
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  log.db.pragma('wal_checkpoint(TRUNCATE)');
  if (keep) writeFileSync(join(dir, 'generated.json'), JSON.stringify({ ...shape, clock }));
}

async function generateHistory(): Promise<void> {
  const applier = new Applier(store, { linking: [{ by: 'email' }], roles }, () => clock);
  let policyHash = activate(0);
  const build = await timed(async () => {
    await applier.apply({ source: 'dir', kind: 'full', batches: directoryBatches(spec), trigger: 'sync' });
    for (let v = 1; v <= versions; v++) {
      clock += HOUR;
      if (v % 1000 === 0) policyHash = activate(v / 1000);
      const accounts = [];
      const removedMemberships: Membership[] = [];
      const memberships: Membership[] = [];
      for (let k = 0; k < perVersion; k++) {
        const i = r.int(spec.users);
        accounts.push(generatedUser(i, v));
        for (const g of userGroups(spec, i, 0)) removedMemberships.push({ groupId: g, memberType: 'account', memberId: userId(i) });
        for (const g of userGroups(spec, i, v)) memberships.push({ groupId: g, memberType: 'account', memberId: userId(i) });
      }
      await applier.apply({ source: 'dir', kind: 'delta', batches: (async function* () { yield { accounts, removedMemberships, memberships }; })(), trigger: 'sync' });
    }
  });
  console.log(`history built in ${(build.ms / 1000).toFixed(0)} s: ${store.history.latestVersion()!.id} versions`);
}

async function generateDecisions(): Promise<void> {
  const policyHash = store.policies.at(clock)!.hash;

  // Decision records, spread over the year, chained exactly as the writer chains them.
  const principalOf = new Map((store.db.prepare("SELECT external_id AS e, principal_id AS p FROM links WHERE to_v IS NULL").all() as { e: string; p: string }[]).map((x) => [x.e, x.p]));
  const gen = await timed(() => {
    let prev = GENESIS_HASH;
    const span = clock - T0;
    for (let start = 0; start < decisions; start += 10_000) {
      const rows = [];
      for (let i = start; i < Math.min(decisions, start + 10_000); i++) {
        const at = T0 + Math.floor((i / decisions) * span);
        const u = (i * 7919) % spec.users;
        const decisionId = `0${i.toString(16).padStart(15, '0')}-bench`;
        const principal = principalOf.get(userId(u)) ?? null;
        const record = recordJson({
          decisionId,
          at,
          request: { subject: { id: `user${u}@example.com` }, route: '/v1/chat/completions', method: 'POST', action: 'invoke', resource: { model: 'gpt-4o' } },
          decision: { decision: 'allow', reason: 'allowed_by_role', ...(principal ? { principal } : {}), roles: ['employee'], authorizedBy: { role: 'employee', policy: 'chat', rule: 'employees-chat' }, roleStateVersion: 1 + Math.floor((at - T0) / HOUR), policyVersion: policyHash, staleness_s: 12 },
        });
        const hash = chainHash(prev, record);
        rows.push({ decisionId, at, subject: `user${u}@example.com`, principalId: principal, route: '/v1/chat/completions', decision: 'allow', record, prevHash: prev, hash });
        prev = hash;
      }
      log.append(rows);
    }
  });
  console.log(`decision log generated in ${(gen.ms / 1000).toFixed(0)} s`);
}

const config = { roles, sources: [{ id: 'dir', maxStaleness: HOUR }] } as unknown as RosterConfig;
const service = new ComplianceService(config, store, log, () => clock);
const randomTime = (): number => T0 + HOUR + r.int(clock - T0 - HOUR);

const whoCouldRuns = (shape: Parameters<ComplianceService['whoCould']>[0], n: number) => {
  const ns: number[] = [];
  let count = 0;
  for (let k = 0; k < n; k++) {
    const t0 = process.hrtime.bigint();
    count = service.whoCould(shape, { time: randomTime() }).principals.length;
    ns.push(Number(process.hrtime.bigint() - t0));
  }
  return { ...percentiles(ns), count };
};
const fmt = (ns: number): string => (ns >= 1e9 ? `${(ns / 1e9).toFixed(2)} s` : `${(ns / 1e6).toFixed(2)} ms`);
if (runs('who-could')) {
  const all = whoCouldRuns({ route: '/v1/chat/completions', method: 'POST', action: 'invoke' }, 11);
  console.log(`who-could (every employee may chat: ~${all.count} allowed of ${users}): p50 ${fmt(all.p50)}, p99 ${fmt(all.p99)} over 11 random times`);
  const few = whoCouldRuns({ route: '/admin/users', method: 'GET' }, 21);
  console.log(`who-could (admin route, 10 roles: ${few.count} allowed): p50 ${fmt(few.p50)}, p99 ${fmt(few.p99)} over 21 random times`);
}

if (runs('timeline')) {
  const tl: number[] = [];
  for (let k = 0; k < 1000; k++) {
    const t0 = process.hrtime.bigint();
    service.timeline(`user${r.int(spec.users)}@example.com`);
    tl.push(Number(process.hrtime.bigint() - t0));
  }
  const tlp = percentiles(tl);
  console.log(`timeline: p50 ${fmt(tlp.p50)}, p99 ${fmt(tlp.p99)} over 1000 random users`);
}

if (runs('review')) {
  const review = await timed(() => service.accessReview('role-0'));
  console.log(`access-review role-0: ${review.value.holders.length} holders in ${fmt(review.ms * 1e6)}`);
}

for (const format of ['jsonl', 'csv'] as const) {
  if (!runs(format === 'jsonl' ? 'export' : 'csv')) continue;
  const file = join(dir, `export.${format}`);
  const exp = await timed(() => exportDecisions(log.scan(), file, format, {}, Date.now()));
  console.log(`audit export (${format}): ${exp.value.records} records in ${(exp.ms / 1000).toFixed(1)} s = ${Math.round(exp.value.records / (exp.ms / 1000)).toLocaleString('en-US')} records/s; sha256 ${exp.value.sha256}`);
  rmSync(file, { force: true });
  rmSync(`${file}.manifest.json`, { force: true });
}
if (runs('verify')) {
  const ver = await timed(() => service.verify({}));
  if (!ver.value.chain.ok) throw new Error('generated chain does not verify');
  console.log(`audit verify: ${ver.value.chain.records} records in ${(ver.ms / 1000).toFixed(1)} s = ${Math.round(ver.value.chain.records / (ver.ms / 1000)).toLocaleString('en-US')} records/s`);
}

const size = (f: string): number => ['', '-wal'].reduce((n, s) => n + (statSync(join(dir, f + s), { throwIfNoEntry: false })?.size ?? 0), 0);
console.log(`DB sizes: role store ${(size('roster.db') / 2 ** 20).toFixed(0)} MiB, decision log ${(size('roster-decisions.db') / 2 ** 20).toFixed(0)} MiB (${(size('roster-decisions.db') / Math.max(1, decisions)).toFixed(0)} B/record)`);
log.close();
store.close();
if (!keep) rmSync(dir, { recursive: true, force: true });
