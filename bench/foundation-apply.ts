/**
 * Foundation benchmark: initial full apply, unchanged re-apply, 1%-changed applies, history
 * growth, and roles-at-T / members-at-T latency after many versions.
 *   node dist/bench/foundation-apply.js [users] [versions]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Applier } from '../src/apply/applier.js';
import { SqliteRoleStore } from '../src/store/sqlite-role-store.js';
import { directoryBatches, generatedRoles, generatedUser, SPEC_100K, SPEC_10K, userGroups, userId } from './generate-directory.js';
import { peakRssMb, percentiles, timed } from './measure.js';

const users = Number(process.argv[2] ?? 100_000);
const versions = Number(process.argv[3] ?? 1000);
const spec = users >= 100_000 ? SPEC_100K : { ...SPEC_10K, users };
const dir = mkdtempSync(join(tmpdir(), 'roster-bench-'));
const path = join(dir, 'roster.db');
const dbSize = (): number => ['', '-wal'].reduce((n, s) => n + (statSync(path + s, { throwIfNoEntry: false })?.size ?? 0), 0);

let clock = Date.parse('2026-01-01T00:00:00Z');
const store = SqliteRoleStore.openWritable(path);
const applier = new Applier(store, { linking: [{ by: 'email' }], roles: generatedRoles(spec, 'dir') }, () => (clock += 3_600_000));
const full = (changed?: (i: number) => number) => applier.apply({ source: 'dir', kind: 'full', batches: directoryBatches(spec, changed), trigger: 'sync' });

console.log(`directory: ${spec.users} users, ${spec.groups} groups, ~${spec.users * spec.membershipsPerUser} memberships, ${spec.roles} roles`);
const initial = await timed(() => full());
const grants = (store.db.prepare('SELECT count(*) AS n FROM grants').get() as { n: number }).n;
console.log(`initial full apply: ${(initial.ms / 1000).toFixed(2)} s (version ${initial.value.version?.id}, ${grants} grants), peak RSS ${peakRssMb()} MB`);
store.db.pragma('wal_checkpoint(TRUNCATE)');

const unchanged = await timed(() => full());
console.log(`unchanged re-apply (full snapshot): ${(unchanged.ms / 1000).toFixed(2)} s, version: ${unchanged.value.version?.id ?? 'none'}`);

// 1% changed: every 100th user (shifted each round) gets a new department and new groups.
const onePercent = (round: number) => (i: number) => ((i + round) % 100 === 0 ? round : 0);
const before = dbSize();
const fullChange = await timed(() => full(onePercent(1)));
store.db.pragma('wal_checkpoint(TRUNCATE)');
const growth = dbSize() - before;
console.log(`1% changed, full snapshot: ${(fullChange.ms / 1000).toFixed(2)} s, counts ${JSON.stringify(fullChange.value.version?.counts)}, DB growth ${(growth / 1024).toFixed(0)} KiB`);

const delta = (round: number) => {
  const accounts = [];
  const replaceMembers = new Map<string, Set<string>>();
  const memberships = [];
  const removedMemberships = [];
  for (let i = round % 100; i < spec.users; i += 100) {
    accounts.push(generatedUser(i, round));
    for (const g of userGroups(spec, i, round - 1)) removedMemberships.push({ groupId: g, memberType: 'account' as const, memberId: userId(i) });
    for (const g of userGroups(spec, i, round)) memberships.push({ groupId: g, memberType: 'account' as const, memberId: userId(i) });
  }
  void replaceMembers;
  return applier.apply({ source: 'dir', kind: 'delta', batches: (async function* () { yield { accounts, removedMemberships, memberships }; })(), trigger: 'sync' });
};
const deltaTimes: number[] = [];
for (let round = 2; round < 7; round++) deltaTimes.push((await timed(() => delta(round))).ms);
console.log(`1% changed, delta: median ${(deltaTimes.sort((a, b) => a - b)[2]! / 1000).toFixed(2)} s over 5 rounds`);

// Many versions of small deltas (10 users each) for history queries.
const smallStart = Date.now();
for (let v = 0; v < versions; v++) {
  const accounts = Array.from({ length: 10 }, (_, k) => generatedUser((v * 9973 + k * 101) % spec.users, v + 10));
  await applier.apply({ source: 'dir', kind: 'delta', batches: (async function* () { yield { accounts }; })(), trigger: 'sync' });
}
const last = store.history.latestVersion()!;
console.log(`${versions} small versions in ${((Date.now() - smallStart) / 1000).toFixed(1)} s; latest version ${last.id}; DB ${(dbSize() / 1048576).toFixed(0)} MiB`);

const h = store.history;
const pids = (store.db.prepare('SELECT id FROM principals WHERE to_v IS NULL LIMIT 2000').all() as { id: string }[]).map((r) => r.id);
const rolesNs: number[] = [];
for (let k = 0; k < 20_000; k++) {
  const pid = pids[k % pids.length]!;
  const v = 1 + ((k * 7919) % last.id);
  const t0 = process.hrtime.bigint();
  h.rolesAt(pid, v);
  rolesNs.push(Number(process.hrtime.bigint() - t0));
}
const r = percentiles(rolesNs);
console.log(`roles-at-T: p50 ${(r.p50 / 1000).toFixed(1)} µs, p99 ${(r.p99 / 1000).toFixed(1)} µs`);
const membersNs: number[] = [];
let size = 0;
for (let k = 0; k < 300; k++) {
  const role = `role-${k % 10}`;
  const v = 1 + ((k * 7919) % last.id);
  const t0 = process.hrtime.bigint();
  size = h.membersAt(role, v).length;
  membersNs.push(Number(process.hrtime.bigint() - t0));
}
const m = percentiles(membersNs);
console.log(`members-at-T (${size} members): p50 ${(m.p50 / 1e6).toFixed(2)} ms, p99 ${(m.p99 / 1e6).toFixed(2)} ms`);
console.log(`peak RSS ${peakRssMb()} MB`);
store.close();
rmSync(dir, { recursive: true, force: true });
