/**
 * Entra connector benchmark against the fake Graph (test/fakes/entra), real msal-node through
 * its networkClient, real fetch over loopback, a real applier on a temp SQLite store:
 *   1. initial sync: 100k users / 5k groups / 1M memberships (+ service principals, app roles);
 *   2. an idle incremental round (nothing changed);
 *   3. an incremental round with 1% changed (users, groups, memberships);
 *   4. a full reconcile, which must find nothing to change (the deltas built the same state).
 * Reports wall time, Graph requests, and Graph requests per changed object.
 *
 *   npx tsc -p tsconfig.json && node --max-old-space-size=4096 dist/bench/entra-sync.js [users] [groups]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectorContext, SourceBatch } from '../connectors/connector.js';
import { EntraConnector, entraConnectorFactory } from '../connectors/entra/index.js';
import { Applier } from '../src/apply/applier.js';
import type { RoleDefinition } from '../src/resolve/resolve-rules.js';
import { SqliteRoleStore } from '../src/store/sqlite-role-store.js';
import { FakeDirectory } from '../test/fakes/entra/fake-directory.js';
import { CLIENT_ID, SECRET, TENANT, startFakeEntra } from '../test/fakes/entra/harness.js';
import { RoutedMsalNetwork, routedGraphFetch } from '../test/fakes/entra/routing.js';
import { peakRssMb, timed } from './measure.js';

const USERS = Number(process.argv[2] ?? 100_000);
const GROUPS = Number(process.argv[3] ?? 5_000);
const PER_USER = 9; // + everyone in all-staff = 10 memberships per user: 1M for 100k users
const SPS = 500;
const ASSIGNMENTS = 1_500;
const hex = (kind: number, n: number): string => `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const uid = (i: number): string => hex(1, i);
const gid = (g: number): string => hex(2, g);
const spid = (s: number): string => hex(3, s);
const APP = hex(3, 999_999);
const APP_ID = 'c0ffee00-1111-4222-8333-444455556666';
const ROLES = [hex(4, 1), hex(4, 2), hex(4, 3)];
const STRIDE = Math.floor((GROUPS - 1) / PER_USER);
/** The PER_USER distinct groups (besides all-staff) user i is in. */
const groupsOf = (i: number): number[] => Array.from({ length: PER_USER }, (_, k) => 1 + ((i * 7 + k * STRIDE) % (GROUPS - 1)));

function buildDirectory(): { dir: FakeDirectory; memberships: number } {
  const dir = new FakeDirectory();
  dir.tracking = false; // bulk load: no change log, the initial round reads current state
  let memberships = 0;
  for (let i = 0; i < USERS; i++) {
    dir.add('users', { id: uid(i), displayName: `User ${i}`, userPrincipalName: `user${i}@contoso.com`, mail: `user${i}@contoso.com`, accountEnabled: true, userType: 'Member', department: `D${i % 40}` });
  }
  dir.add('groups', { id: gid(0), displayName: 'all-staff', groupTypes: [], securityEnabled: true, mailEnabled: false });
  for (let g = 1; g < GROUPS; g++) {
    dir.add('groups', { id: gid(g), displayName: `group-${g}`, groupTypes: g % 10 === 0 ? ['Unified'] : [], securityEnabled: g % 10 !== 0, mailEnabled: g % 10 === 0 });
  }
  for (let i = 0; i < USERS; i++) {
    dir.addMember(gid(0), uid(i));
    for (const g of groupsOf(i)) dir.addMember(gid(g), uid(i));
    memberships += 1 + PER_USER;
  }
  for (let g = 1; g <= 100; g++) for (let c = 1; c <= 3; c++) dir.addMember(gid(g), gid(100 + g * 3 + c), 'groups');
  for (let s = 0; s < SPS; s++) {
    dir.add('servicePrincipals', { id: spid(s), appId: hex(6, s), displayName: `svc-${s}`, accountEnabled: true, servicePrincipalType: s % 5 === 0 ? 'ManagedIdentity' : 'Application', tags: s % 10 === 0 ? ['agent'] : [], appOwnerOrganizationId: TENANT });
  }
  dir.add('servicePrincipals', {
    id: APP, appId: APP_ID, displayName: 'roster-gateway', accountEnabled: true, servicePrincipalType: 'Application', tags: [], appOwnerOrganizationId: TENANT,
    appRoles: ROLES.map((id, n) => ({ id, value: ['Reader', 'Writer', 'Admin'][n], isEnabled: true, allowedMemberTypes: ['User', 'Application'] })),
  });
  for (let a = 0; a < ASSIGNMENTS; a++) dir.assign(APP, ROLES[a % 3]!, a < ASSIGNMENTS - 100 ? uid(a * 13) : spid(a % SPS), a < ASSIGNMENTS - 100 ? 'User' : 'ServicePrincipal');
  for (let g = 1; g <= 20; g++) dir.assign(APP, ROLES[0]!, gid(g), 'Group');
  dir.tracking = true;
  return { dir, memberships };
}

/** 1% of everything: 1000 users (updated, disabled, soft- and hard-deleted), 50 groups, 10k memberships. */
function changeOnePercent(dir: FakeDirectory): { users: number; groups: number; memberships: number; softDeleted: Set<string> } {
  const softDeleted = new Set<string>();
  let users = 0;
  let groups = 0;
  let memberships = 0;
  for (let i = 1; i < USERS; i += 100) {
    const n = users++;
    if (n % 20 === 0) dir.hardDelete('users', uid(i));
    else if (n % 20 === 1) {
      dir.softDelete('users', uid(i));
      softDeleted.add(uid(i));
    }
    else if (n % 5 === 2) dir.update('users', uid(i), { accountEnabled: false });
    else dir.update('users', uid(i), { displayName: `User ${i} (renamed)`, department: 'Moved' });
  }
  const first = Math.floor(GROUPS / 5);
  for (let g = first; g < first + GROUPS / 100; g++) {
    groups++;
    if (g % 5 === 0) dir.hardDelete('groups', gid(g));
    else dir.update('groups', gid(g), { displayName: `group-${g}-renamed` });
  }
  const target = USERS / 10;
  for (let i = 2; memberships < target / 2 && i < USERS; i += 7) {
    const g = gid(groupsOf(i)[0]!);
    if (!dir.members.get(g)?.has(uid(i))) continue;
    dir.removeMember(g, uid(i));
    memberships++;
  }
  for (let i = 3; memberships < target && i < USERS; i += 7) {
    const g = gid(1 + ((i * 11 + 3) % (GROUPS - 1)));
    if (!dir.objects.groups.has(g) || dir.members.get(g)!.has(uid(i)) || !dir.objects.users.has(uid(i))) continue;
    dir.addMember(g, uid(i));
    memberships++;
  }
  return { users, groups, memberships, softDeleted };
}

const work = mkdtempSync(join(tmpdir(), 'roster-bench-entra-'));
try {
  const built = await timed(() => buildDirectory());
  const { dir, memberships } = built.value;
  console.log(`fake directory: ${USERS} users, ${GROUPS} groups, ${memberships} memberships (+300 nested), ${SPS} service principals, ${dir.assignments.size} app-role assignments (built in ${(built.ms / 1000).toFixed(1)} s)`);
  const paging = { pageSize: 200, membersPerPage: 2000 };
  const fake = await startFakeEntra(dir, paging);
  console.log(`fake Graph paging: ${paging.pageSize} objects per page, ${paging.membersPerPage} member references per page (a group's members spread over pages)`);

  writeFileSync(join(work, 'entra.secret'), SECRET);
  const options = entraConnectorFactory.parseOptions({
    tenantId: TENANT, clientId: CLIENT_ID, clientSecret: { file: 'entra.secret' },
    users: { attributes: ['department'] },
    servicePrincipals: { enabled: true, agentTags: ['agent'] },
    appRoles: { appId: APP_ID },
  });
  const quiet = { info() {}, warn() {}, error() {}, debug() {} };
  const ctx: ConnectorContext = { sourceId: 'entra', baseDir: work, readSecret: () => SECRET, log: quiet };
  const connector = new EntraConnector('entra', options, ctx, { networkClient: new RoutedMsalNetwork(fake.routes), fetch: routedGraphFetch(fake.routes) });

  const store = SqliteRoleStore.openWritable(join(work, 'roster.db'));
  const roles: RoleDefinition[] = [
    { name: 'staff', rank: 1, grantedBy: [{ group: { source: 'entra', name: 'all-staff' } }] },
    ...Array.from({ length: 20 }, (_, n) => ({ name: `role-${n}`, rank: 10 + n, grantedBy: [{ group: { source: 'entra', name: `group-${n * 37 + 1}` } }] })),
    { name: 'reader', rank: 50, grantedBy: [{ group: { source: 'entra', name: 'approle:Reader' } }] },
    { name: 'writer', rank: 60, grantedBy: [{ group: { source: 'entra', name: 'approle:Writer' } }] },
  ];
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const applier = new Applier(store, { linking: [], roles }, () => (clock += 60_000));

  const round = async (mode: 'full' | 'incremental') => {
    const cursor = store.syncStates().find((s) => s.source === 'entra')?.cursor ?? null;
    const requests = fake.graph.requests.length;
    let batches = 0;
    const r = await timed(async () => {
      const run = await connector.sync({ cursor: mode === 'full' ? null : cursor, mode, signal: new AbortController().signal, progress: () => undefined, now: Date.now });
      async function* count(): AsyncGenerator<SourceBatch> {
        for await (const b of run.batches) {
          batches++;
          yield b;
        }
      }
      const result = await applier.apply({ source: 'entra', kind: run.kind, batches: count(), cursor: () => run.cursor(), trigger: 'sync' });
      return { kind: run.kind, result };
    });
    // Requests Graph answered (what its throttling counts), as the fake saw them.
    return { ...r.value, ms: r.ms, requests: fake.graph.requests.length - requests, batches };
  };
  const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

  // Reading alone (connector + fake Graph, no applier), with a second connector.
  const reader = new EntraConnector('entra', options, ctx, { networkClient: new RoutedMsalNetwork(fake.routes), fetch: routedGraphFetch(fake.routes) });
  const read = await timed(async () => {
    const run = await reader.sync({ cursor: null, mode: 'full', signal: new AbortController().signal, progress: () => undefined, now: Date.now });
    let n = 0;
    for await (const b of run.batches) n += (b.accounts?.length ?? 0) + (b.groups?.length ?? 0) + (b.memberships?.length ?? 0);
    return n;
  });
  console.log(`reading an initial round alone (connector + fake Graph in this process, no applier): ${fmt(read.ms)}, ${fake.graph.requests.length} Graph requests, ${read.value} objects and memberships`);

  const initial = await round('full');
  const counts = initial.result.version?.counts;
  console.log(`initial sync (${initial.kind}): ${fmt(initial.ms)}, ${initial.requests} Graph requests, ${initial.batches} batches, version ${initial.result.version?.id} ${JSON.stringify(counts)}, peak RSS ${peakRssMb()} MB`);

  const idle = await round('incremental');
  console.log(`idle incremental round (${idle.kind}): ${fmt(idle.ms)}, ${idle.requests} Graph requests, version ${idle.result.version?.id ?? 'none'}`);

  const changed = changeOnePercent(dir);
  const objects = changed.users + changed.groups + changed.memberships;
  const mark = fake.graph.requests.length;
  const delta = await round('incremental');
  const byPath = new Map<string, number>();
  for (const r of fake.graph.requests.slice(mark)) {
    const k = r.path.replace(/\/[0-9a-f-]{36}\//, '/{id}/').replace(/\(appId='[^']+'\)/, "(appId='…')");
    byPath.set(k, (byPath.get(k) ?? 0) + 1);
  }
  console.log(
    `1% changed (${changed.users} users, ${changed.groups} groups, ${changed.memberships} memberships = ${objects} changed objects): ${delta.kind} round ${fmt(delta.ms)}, ` +
      `${delta.requests} Graph requests = ${(delta.requests / objects).toFixed(4)} requests per changed object ` +
      `(${(delta.requests / (changed.users + changed.groups)).toFixed(4)} per changed user/group), version ${delta.result.version?.id} ${JSON.stringify(delta.result.version?.counts)}`,
  );
  console.log(`  requests of the 1% round: ${[...byPath].map(([k, n]) => `${k} x${n}`).join(', ')}`);

  // A full round (like Graph's initial round) does not list users in the recycle bin: it removes
  // the accounts the deltas kept as inactive, with their memberships. Anything else is a bug.
  const reconcile = await round('full');
  const ch = reconcile.result.changes;
  const soft = changed.softDeleted;
  const onlySoftDeleted =
    ch.accounts.started.length === 0 &&
    ch.accounts.ended.length === soft.size &&
    [...ch.accounts.ended].every((a) => soft.has(a.externalId)) &&
    ch.groups.started.length + ch.groups.ended.length + ch.memberships.started.length === 0 &&
    [...ch.memberships.ended].every((m) => soft.has(m.member.slice(2)));
  console.log(
    `full reconcile afterwards (${reconcile.kind}): ${fmt(reconcile.ms)}, ${reconcile.requests} Graph requests; ` +
      (onlySoftDeleted
        ? `it removed only the ${soft.size} soft-deleted accounts the deltas kept as inactive (and their ${ch.memberships.ended.length} memberships): the deltas built the fresh state`
        : `UNEXPECTED differences: ${JSON.stringify(reconcile.result.version?.counts)}`) +
      `, peak RSS ${peakRssMb()} MB`,
  );
  if (!onlySoftDeleted) process.exitCode = 1;
  store.close();
  await fake.close();
} finally {
  rmSync(work, { recursive: true, force: true });
}
