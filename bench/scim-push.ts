/**
 * SCIM push benchmark: an initial push of users and groups as Okta sends it, strictly sequential
 * over HTTP (keep-alive) into the real core (SQLite store, applier, push coalescer), then the
 * latency of member PATCHes on a 5,000-member group.
 *
 *   node dist/bench/scim-push.js [users=10000] [groups=500] [windowMs=2] [membersPerPatch=100]
 *
 * Okta's sequence per user: GET /Users?filter=userName eq "…"&startIndex=1&count=100, then
 * POST /Users. Group Push per group: GET /Groups?filter=displayName eq "…", POST /Groups with no
 * members, then PATCH add members in chunks of `membersPerPatch`.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scimConnectorFactory, type ScimConnector } from '../connectors/scim/index.js';
import { Applier } from '../src/apply/applier.js';
import type { RoleDefinition } from '../src/resolve/resolve-rules.js';
import { SqliteRoleStore } from '../src/store/sqlite-role-store.js';
import { PushCoalescer } from '../src/sync/push-coalescer.js';
import { peakRssMb, percentiles } from './measure.js';
import { seededRandom } from './seeded-random.js';

const USERS = Number(process.argv[2] ?? 10_000);
const GROUPS = Number(process.argv[3] ?? 500);
const WINDOW_MS = Number(process.argv[4] ?? 2);
const PER_PATCH = Number(process.argv[5] ?? 100);
const GROUPS_PER_USER = 3;
const ROLE_GROUPS = 30;
const BIG = 5_000;
const TOKEN = 'bench-token';
const SOURCE = 'okta-scim';
const DEPARTMENTS = ['Cardiology', 'Emergency', 'Marketing', 'Sales', 'Engineering', 'Research', 'Finance', 'Legal', 'Support', 'IT'];

const dir = mkdtempSync(join(tmpdir(), 'roster-bench-scim-'));
const path = join(dir, 'roster.db');
const roles: RoleDefinition[] = [
  ...Array.from({ length: ROLE_GROUPS }, (_, g) => ({ name: `role-${g}`, rank: g, grantedBy: [{ group: { source: SOURCE, name: `group-${g}` } }] })),
  { name: 'clinician', rank: 100, grantedBy: [{ attribute: { source: SOURCE, name: 'department', equals: 'Cardiology' } }] },
  { name: 'staff', rank: 0, grantedBy: [{ group: { source: SOURCE, name: 'All Staff' } }] },
];
const store = SqliteRoleStore.openWritable(path);
const applier = new Applier(store, { linking: [{ by: 'email' }], roles }, Date.now);
const coalescer = new PushCoalescer(applier, SOURCE, WINDOW_MS, 1000);
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const connector = scimConnectorFactory.create(
  scimConnectorFactory.parseOptions({
    listen: { host: '127.0.0.1', port: 0 },
    tokens: [{ sha256: createHash('sha256').update(TOKEN).digest('hex') }],
    rateLimit: false,
    identifiers: { externalId: 'oktaId' },
  }),
  { sourceId: SOURCE, baseDir: dir, readSecret: () => '', log: quiet },
) as ScimConnector;
await connector.start({ apply: (b) => coalescer.apply(b), view: () => applier.view(SOURCE) });
const port = connector.address()!.port;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

interface Reply {
  readonly status: number;
  readonly body: any;
}

let requests = 0;
function call(method: string, p: string, body?: unknown): Promise<Reply> {
  requests++;
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: `/scim/v2${p}`,
        method,
        agent,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(data ? { 'content-type': 'application/scim+json', 'content-length': data.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function timedCall(samples: number[], method: string, p: string, body?: unknown): Promise<Reply> {
  const t0 = process.hrtime.bigint();
  const r = await call(method, p, body);
  samples.push(Number(process.hrtime.bigint() - t0));
  if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

const version = (): number => store.history.latestVersion()?.id ?? 0;
const ms = (ns: number): string => (ns / 1e6).toFixed(2);
const q = (attr: string, value: string): string => `filter=${encodeURIComponent(`${attr} eq "${value}"`)}`;
const patch = (...Operations: object[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations });

console.log(`SCIM push: ${USERS} users, ${GROUPS} groups (${GROUPS_PER_USER} per user, ${PER_PATCH} members per PATCH), coalescing window ${WINDOW_MS} ms, sequential requests`);

// Phase 1: users, as Okta assigns them: lookup by userName, then create.
const lookups: number[] = [];
const creates: number[] = [];
const userIds: string[] = [];
let t = process.hrtime.bigint();
let v0 = version();
let r0 = requests;
for (let i = 0; i < USERS; i++) {
  if (i > 0 && i % 2000 === 0) console.log(`  ... ${i} users, POST p50 so far ${ms(percentiles(creates.slice(-500)).p50)} ms (last 500)`);
  const userName = `user${i}@example.com`;
  const found = await timedCall(lookups, 'GET', `/Users?${q('userName', userName)}&startIndex=1&count=100`);
  if (found.body.totalResults !== 0) throw new Error('unexpected match');
  const created = await timedCall(creates, 'POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    userName,
    name: { givenName: `Given${i}`, familyName: `Family${i}` },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `User ${i}`,
    locale: 'en-US',
    externalId: `00u${String(i).padStart(17, '0')}`,
    groups: [],
    password: 'Sup3rS3cret!',
    active: true,
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: DEPARTMENTS[i % DEPARTMENTS.length], employeeNumber: `E${i}` },
  });
  userIds.push(created.body.id);
}
let secs = Number(process.hrtime.bigint() - t) / 1e9;
const userVersions = version() - v0;
console.log(
  `users: ${requests - r0} requests in ${secs.toFixed(1)} s = ${((requests - r0) / secs).toFixed(0)} req/s; ${userVersions} versions for ${USERS} creates (${(userVersions / USERS).toFixed(2)} per write)`,
);
const lp = percentiles(lookups);
const cp = percentiles(creates);
console.log(`  GET filter userName: p50 ${ms(lp.p50)} ms, p99 ${ms(lp.p99)} ms; POST /Users: p50 ${ms(cp.p50)} ms, p99 ${ms(cp.p99)} ms`);

// Phase 2: Group Push: lookup, create empty, then PATCH members in chunks.
const rnd = seededRandom(7);
const membersOf: string[][] = Array.from({ length: GROUPS }, () => []);
for (const id of userIds) {
  const mine = new Set<number>();
  while (mine.size < Math.min(GROUPS_PER_USER, GROUPS)) mine.add(rnd.int(GROUPS));
  for (const g of mine) membersOf[g]!.push(id);
}
const groupCalls: number[] = [];
t = process.hrtime.bigint();
v0 = version();
r0 = requests;
let writes = 0;
for (let g = 0; g < GROUPS; g++) {
  await timedCall(groupCalls, 'GET', `/Groups?${q('displayName', `group-${g}`)}&excludedAttributes=members`);
  const gid = (await timedCall(groupCalls, 'POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `group-${g}`, members: [] })).body.id as string;
  writes++;
  const members = membersOf[g]!;
  for (let k = 0; k < members.length; k += PER_PATCH) {
    await timedCall(groupCalls, 'PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: members.slice(k, k + PER_PATCH).map((value) => ({ value })) }));
    writes++;
  }
}
secs = Number(process.hrtime.bigint() - t) / 1e9;
const groupVersions = version() - v0;
console.log(
  `groups: ${requests - r0} requests (${writes} writes) in ${secs.toFixed(1)} s = ${((requests - r0) / secs).toFixed(0)} req/s; ${groupVersions} versions (${(groupVersions / writes).toFixed(2)} per write)`,
);
const totalWrites = USERS + writes;
console.log(`initial push total: ${requests} requests, ${totalWrites} writes, ${version()} versions (${(version() / totalWrites).toFixed(2)} versions per write)`);

// Phase 3: PATCH latency on a 5,000-member group.
const big = (await call('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'All Staff', members: [] })).body.id as string;
for (let k = 0; k < Math.min(BIG, userIds.length); k += 1000) {
  await call('PATCH', `/Groups/${big}`, patch({ op: 'add', path: 'members', value: userIds.slice(k, Math.min(k + 1000, BIG)).map((value) => ({ value })) }));
}
const outsiders = userIds.slice(BIG);
const bigPatches: number[] = [];
v0 = version();
const ROUNDS = 1000;
for (let n = 0; n < ROUNDS; n++) {
  // Alternately add one outsider, then remove that one again the way Okta does (members[value eq "…"]).
  const who = outsiders[Math.floor(n / 2) % Math.max(1, outsiders.length)] ?? userIds[0]!;
  const op = n % 2 === 0 ? { op: 'add', path: 'members', value: [{ value: who }] } : { op: 'remove', path: `members[value eq "${who}"]` };
  await timedCall(bigPatches, 'PATCH', `/Groups/${big}`, patch(op));
}
const bp = percentiles(bigPatches);
const size = (await call('GET', `/Groups/${big}?attributes=displayName`)).status === 200 ? applier.view(SOURCE).members(big).length : -1;
console.log(
  `PATCH on a ${size}-member group (${ROUNDS} sequential, one member each): p50 ${ms(bp.p50)} ms, p99 ${ms(bp.p99)} ms, max ${ms(bp.max)} ms; ${version() - v0} versions`,
);
const readBig: number[] = [];
for (let n = 0; n < 50; n++) await timedCall(readBig, 'GET', `/Groups/${big}`);
console.log(`GET of the ${size}-member group: p50 ${ms(percentiles(readBig).p50)} ms`);

const dbBytes = ['', '-wal'].reduce((n, s) => n + (statSync(path + s, { throwIfNoEntry: false })?.size ?? 0), 0);
console.log(`store: ${(dbBytes / 1024 / 1024).toFixed(1)} MiB, peak RSS ${peakRssMb()} MB`);

agent.destroy();
await connector.stop();
store.close();
rmSync(dir, { recursive: true, force: true });
