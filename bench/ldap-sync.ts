/**
 * LDAP connector benchmark against a real slapd: 100k users / 5k groups / ~1M memberships
 * (bench/generate-directory.ts's shape), written as LDIF and loaded offline with slapadd.
 *
 *   npm run build && node dist/bench/ldap-sync.js [users] [roles]
 *   (ROSTER_BENCH_CHILD_FLAGS="--cpu-prof" passes node flags to the measuring processes;
 *   ROSTER_BENCH_HEAP_SNAPSHOT=FILE writes a heap snapshot after the full sync, for memory work)
 *
 * Each measurement runs in its own process so its peak RSS is its own:
 *   read   the connector alone: full sync, every batch consumed and dropped (search + mapping);
 *   e2e    full sync through the real Applier on a temp store (search + apply), then incremental
 *          polls: nothing changed, and 1% changed (1% of users modified, 1% of groups' members).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { Attribute, Change, Client } from 'ldapts';
import type { ConnectorContext, PollConnector, SourceBatch } from '../connectors/connector.js';
import { ldapConnectorFactory } from '../connectors/ldap/index.js';
import { Applier } from '../src/apply/applier.js';
import { SqliteRoleStore } from '../src/store/sqlite-role-store.js';
import { startSlapd } from '../test/support/slapd.js';
import { generatedGroups, generatedUser, SPEC_100K, SPEC_10K, userGroups, type DirectorySpec } from './generate-directory.js';
import { median, peakRssMb, timed } from './measure.js';

const SUFFIX = 'dc=example,dc=com';
const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const SERVICE_DN = `cn=roster,${SUFFIX}`;
const SERVICE_PW = 'bench-service-pw';
const here = fileURLToPath(import.meta.url);

const specFor = (users: number): DirectorySpec => (users >= 100_000 ? SPEC_100K : { ...SPEC_10K, users });
const userDn = (i: number): string => `uid=user${i},${PEOPLE}`;
const groupDn = (g: number): string => `cn=group-${g},${GROUPS}`;

/** Streams the directory as LDIF (users, then groups with their member DNs). */
async function generate(spec: DirectorySpec, file: string): Promise<{ entries: number; memberships: number }> {
  const out = createWriteStream(file);
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(`dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n`);
  for (const ou of ['people', 'groups']) await write(`dn: ou=${ou},${SUFFIX}\nobjectClass: organizationalUnit\nou: ${ou}\n\n`);
  await write(`dn: ${SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: roster\nuserPassword: ${SERVICE_PW}\n\n`);
  const members: number[][] = Array.from({ length: spec.groups }, () => []);
  for (let i = 0; i < spec.users; i++) {
    const u = generatedUser(i);
    const ids = new Map(u.identifiers.map((x) => [x.kind, x.value]));
    let e = `dn: ${userDn(i)}\nobjectClass: inetOrgPerson\nuid: user${i}\ncn: ${u.displayName}\nsn: ${i}\ndisplayName: ${u.displayName}\nmail: ${ids.get('email')}\nemployeeNumber: ${ids.get('employeeId')}\n`;
    e += `departmentNumber: ${u.attributes.department}\ntitle: ${u.attributes.title}\n${u.status === 'suspended' ? 'employeeType: disabled\n' : ''}\n`;
    await write(e);
    for (const g of userGroups(spec, i)) members[Number(g.slice(1))]!.push(i);
  }
  const nested: string[][] = Array.from({ length: spec.groups }, () => []);
  for (const n of generatedGroups(spec).nesting) nested[Number(n.groupId.slice(1))]!.push(groupDn(Number(n.memberId.slice(1))));
  let memberships = 0;
  for (let g = 0; g < spec.groups; g++) {
    const list = [...new Set([...members[g]!.map(userDn), ...nested[g]!])];
    if (list.length === 0) list.push(groupDn((g + 1) % spec.groups));
    memberships += list.length;
    await write(`dn: ${groupDn(g)}\nobjectClass: groupOfNames\ncn: group-${g}\n${list.map((m) => `member: ${m}\n`).join('')}\n`);
  }
  out.end();
  await once(out, 'finish');
  return { entries: spec.users + spec.groups, memberships };
}

function connectorFor(url: string, dir: string, pageSize = Number(process.env.BENCH_PAGE_SIZE ?? 500)): PollConnector {
  writeFileSync(join(dir, 'bind.pw'), SERVICE_PW);
  const options = ldapConnectorFactory.parseOptions({
    preset: 'openldap',
    url,
    bindDN: SERVICE_DN,
    bindPassword: { file: 'bind.pw' },
    baseDN: SUFFIX,
    users: { baseDN: PEOPLE },
    groups: { baseDN: GROUPS },
    pageSize,
    status: { attribute: 'employeeType', disabledValues: ['disabled'] },
    attributes: { extra: ['departmentNumber', 'title'] },
  });
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
  const ctx: ConnectorContext = { sourceId: 'ldap', baseDir: dir, readSecret: (ref) => ('file' in ref ? readFileSync(join(dir, ref.file), 'utf8') : process.env[ref.env] ?? ''), log: quiet };
  return ldapConnectorFactory.create(options, ctx) as PollConnector;
}

const request = (cursor: string | null) => ({
  cursor,
  mode: cursor === null ? ('full' as const) : ('incremental' as const),
  signal: new AbortController().signal,
  progress: () => undefined,
  now: Date.now,
});

/** The connector alone: a full read, batches dropped as they come. */
async function phaseRead(url: string, dir: string): Promise<object> {
  const connector = connectorFor(url, dir);
  let entries = 0;
  let memberships = 0;
  const r = await timed(async () => {
    const run = await connector.sync(request(null));
    for await (const b of run.batches) {
      entries += (b.accounts?.length ?? 0) + (b.groups?.length ?? 0);
      memberships += b.memberships?.length ?? 0;
    }
  });
  await connector.close?.();
  const cpu = process.cpuUsage();
  return { entries, memberships, ms: r.ms, cpuMs: Math.round((cpu.user + cpu.system) / 1000), perSecond: Math.round(entries / (r.ms / 1000)), peakRssMb: peakRssMb() };
}

/** Full sync + apply, then incremental polls (nothing changed; 1% changed). */
async function phaseE2e(url: string, dir: string, spec: DirectorySpec, roleCount: number): Promise<object> {
  const store = SqliteRoleStore.openWritable(join(dir, 'roster.db'));
  // Time spent in the store's commit (one SQLite transaction per version), to split the apply.
  let commitMs = 0;
  const commit = store.commit.bind(store);
  store.commit = (...args) => {
    const t = performance.now();
    try {
      return commit(...args);
    } finally {
      commitMs += performance.now() - t;
    }
  };
  const roles = Array.from({ length: roleCount }, (_, g) => ({ name: `role-${g}`, rank: g, grantedBy: [{ group: { source: 'ldap', name: `group-${g}` } }] }));
  const applier = new Applier(store, { linking: [{ by: 'email' }], roles }, Date.now);
  const connector = connectorFor(url, dir);
  let delivered = 0;
  const poll = async (full = false): Promise<{ ms: number; commitMs: number; version: number | null; kind: string; delivered: number }> => {
    delivered = 0;
    commitMs = 0;
    const cursor = full ? null : store.syncStates().find((s) => s.source === 'ldap')?.cursor ?? null;
    const r = await timed(async () => {
      const run = await connector.sync(request(cursor));
      async function* count(): AsyncGenerator<SourceBatch> {
        for await (const b of run.batches) {
          delivered += (b.accounts?.length ?? 0) + (b.groups?.length ?? 0);
          yield b;
        }
      }
      const res = await applier.apply({ source: 'ldap', kind: run.kind, batches: count(), cursor: () => run.cursor(), trigger: 'sync' });
      return { kind: run.kind, version: res.version?.id ?? null };
    });
    return { ms: r.ms, commitMs, delivered, ...r.value };
  };
  const full = await poll(true);
  const rssAfterFull = peakRssMb();
  // What the applier and connector keep between syncs (the child runs with --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const liveHeapMb = Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
  if (process.env.ROSTER_BENCH_HEAP_SNAPSHOT) (await import('node:v8')).writeHeapSnapshot(process.env.ROSTER_BENCH_HEAP_SNAPSHOT);
  const reconcile = await poll(true);
  const idle: number[] = [];
  for (let k = 0; k < 5; k++) idle.push((await poll()).ms);

  // 1% changed: users get a new title, and 1% of groups gain a member. Salted by the time, so a
  // directory kept between runs (a slapd reused while tuning) changes again on every run.
  const salt = Date.now() % 100_000;
  const admin = new Client({ url, timeout: 60_000 });
  await admin.bind(`cn=admin,${SUFFIX}`, 'bench-root-pw');
  const changedUsers = Math.round(spec.users / 100);
  const step = Math.floor(spec.users / changedUsers);
  for (let i = 0; i < spec.users; i += step) {
    await admin.modify(userDn(i), new Change({ operation: 'replace', modification: new Attribute({ type: 'title', values: [`Changed ${i} (${salt})`] }) }));
  }
  const changedGroups = Math.round(spec.groups / 100);
  for (let g = spec.roles; g < spec.roles + changedGroups; g++) {
    await admin.modify(groupDn(g), [
      new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [userDn((g * 7919 + salt) % spec.users)] }) }),
    ]).catch(() => undefined);
  }
  await admin.unbind();
  const onePercent = await poll();
  const idleAfter = await poll();
  store.close();
  await connector.close?.();
  return {
    full: { ...full, perSecond: Math.round(full.delivered / (full.ms / 1000)), peakRssMb: rssAfterFull, liveHeapMb },
    reconcile: { ...reconcile, perSecond: Math.round(reconcile.delivered / (reconcile.ms / 1000)) },
    noChangePollMs: { median: median(idle), all: idle.map((x) => Math.round(x)) },
    onePercent: { ...onePercent, changedUsers, changedGroups },
    noChangeAfter: idleAfter,
    peakRssMb: peakRssMb(),
  };
}

async function main(): Promise<void> {
  const [phase, ...args] = process.argv.slice(2);
  if (phase === '--generate') {
    console.log(JSON.stringify(await generate(specFor(Number(args[0])), args[1]!)));
    return;
  }
  if (phase === '--read') {
    console.log(JSON.stringify(await phaseRead(args[0]!, args[1]!)));
    return;
  }
  if (phase === '--e2e') {
    console.log(JSON.stringify(await phaseE2e(args[0]!, args[1]!, specFor(Number(args[2])), Number(args[3]))));
    return;
  }
  const users = Number(phase ?? 100_000);
  const spec = specFor(users);
  const roleCount = Number(args[0] ?? spec.roles);
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-ldap-'));
  const child = (argv: string[], nodeFlags: string[] = []): Record<string, unknown> => {
    const flags = [...nodeFlags, ...(process.env.ROSTER_BENCH_CHILD_FLAGS ?? '').split(' ').filter(Boolean)];
    const r = spawnSync(process.execPath, [...flags, here, ...argv], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`${argv[0]} failed:\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  };
  let slapd: Awaited<ReturnType<typeof startSlapd>> | null = null;
  try {
    const file = join(dir, 'directory.ldif');
    const gen = await timed(() => child(['--generate', String(users), file]));
    console.log(`directory: ${spec.users} users, ${spec.groups} groups, ${String(gen.value.memberships)} memberships (LDIF generated in ${(gen.ms / 1000).toFixed(1)} s)`);
    const load = await timed(() => startSlapd({ dir: join(dir, 'slapd'), suffix: SUFFIX, rootPassword: 'bench-root-pw', dataFile: file, maxSizeBytes: 8 * 1024 ** 3, startTimeoutMs: 60_000 }));
    slapd = load.value;
    rmSync(file);
    console.log(`slapadd + slapd start: ${(load.ms / 1000).toFixed(1)} s`);
    const read = child(['--read', slapd.url, dir]);
    console.log(`connector only (full read, page size 500): ${read.entries} entries, ${read.memberships} memberships in ${(Number(read.ms) / 1000).toFixed(2)} s = ${read.perSecond} entries/s (${read.cpuMs} ms CPU), peak RSS ${read.peakRssMb} MB`);
    const e2e = child(['--e2e', slapd.url, dir, String(users), String(roleCount)], ['--expose-gc']) as Record<string, Record<string, unknown>>;
    const f = e2e.full!;
    console.log(`end to end full sync (search + apply, empty store, ${roleCount} roles): ${f.delivered} entries in ${(Number(f.ms) / 1000).toFixed(2)} s = ${f.perSecond} entries/s (the store's commit ${(Number(f.commitMs) / 1000).toFixed(2)} s of it), version ${f.version}, peak RSS ${f.peakRssMb} MB; live heap after it ${f.liveHeapMb} MB`);
    const rc = e2e.reconcile!;
    console.log(`end to end full reconcile (nothing changed): ${(Number(rc.ms) / 1000).toFixed(2)} s = ${rc.perSecond} entries/s, version ${rc.version}`);
    console.log(`incremental poll, nothing changed: median ${Number(e2e.noChangePollMs!.median).toFixed(0)} ms (${JSON.stringify(e2e.noChangePollMs!.all)})`);
    const o = e2e.onePercent!;
    console.log(`incremental poll, 1% changed (${o.changedUsers} users, ${o.changedGroups} groups): ${Number(o.ms).toFixed(0)} ms, ${o.delivered} entries delivered, version ${o.version}`);
    console.log(`incremental poll after that, nothing changed: ${Number(e2e.noChangeAfter!.ms).toFixed(0)} ms, version ${e2e.noChangeAfter!.version}`);
    console.log(`end-to-end process peak RSS: ${String(e2e.peakRssMb)} MB`);
  } finally {
    await slapd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
