/**
 * Helper of bench/decision-socket.ts, run as its own process so the ~1 GB the initial apply
 * touches never sits in the load client's heap:
 *   node dist/bench/socket-build-store.js <dir> [users]
 * Builds <dir>/roster.db with the real applier (the generated directory), records the policy
 * <dir>/policy.yaml as in force, and writes the request mix <dir>/requests.json (request bodies
 * chosen from the users' actual roles: mostly allowed, some denied, a few unknown subjects).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Applier } from '../src/apply/applier.js';
import { policyHash } from '../src/policy/policy-hash.js';
import { SqliteRoleStore } from '../src/store/sqlite-role-store.js';
import { directoryBatches, generatedRoles, SPEC_100K, SPEC_10K, type DirectorySpec } from './generate-directory.js';
import { peakRssMb, timed } from './measure.js';
import { seededRandom } from './seeded-random.js';
import { policyText, routesOfRole, ROUTES, CHAT_ROLES, PHI_DENY_ROLES } from './socket-policy.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: socket-build-store.js <dir> [users]');
const users = Number(process.argv[3] ?? 100_000);
const specFor = (n: number): DirectorySpec => (n >= 100_000 ? SPEC_100K : { ...SPEC_10K, users: n });
const spec = specFor(users);
const REQUESTS = 10_000;

const path = join(dir, 'roster.db');
const store = SqliteRoleStore.openWritable(path);
try {
  // Real time: the sync state the apply records must be fresh for the responder (maxStaleness 7d).
  const applier = new Applier(store, { linking: [{ by: 'email' }], roles: generatedRoles(spec, 'dir') }, () => Date.now());
  const applied = await timed(() => applier.apply({ source: 'dir', kind: 'full', batches: directoryBatches(spec), trigger: 'sync' }));
  const text = policyText(spec.roles);
  writeFileSync(join(dir, 'policy.yaml'), text);
  store.policies.activate(policyHash(text), text, Date.now());
  store.db.pragma('wal_checkpoint(TRUNCATE)');

  // The users' current roles, for a mix whose outcome we know in advance.
  const rolesOf = store.db.prepare(
    `SELECT g.role FROM aliases a JOIN grants g ON g.principal_id = a.principal_id AND g.to_v IS NULL
     WHERE a.kind = 'email' AND a.value = ? AND a.to_v IS NULL`,
  ).pluck();
  const r = seededRandom(4242);
  const bodies: string[] = [];
  const expected = { allow: 0, deny: 0, unknown: 0 };
  const base = (subject: string, route: string, method: string, action: string, dataClasses: string[], resource: Record<string, string> = { model: 'gpt-4o', endpoint: 'azure-openai' }) =>
    JSON.stringify({ subject: { id: subject }, route, method, action, resource, context: { dataClasses, requestBytes: 1000 + r.int(9000) } });
  while (bodies.length < REQUESTS) {
    const kind = r.int(100);
    if (kind < 2) {
      // Unknown subjects.
      bodies.push(base(`nobody${r.int(1_000_000)}@example.com`, `/api/svc-${r.int(ROUTES)}/items/${r.int(1000)}`, 'GET', 'read', ['internal']));
      expected.unknown++;
      continue;
    }
    const i = r.int(spec.users);
    const email = `user${i}@example.com`;
    const roles = (rolesOf.all(email) as string[]).map((n) => Number(n.slice('role-'.length)));
    const active = i % 50 !== 0;
    if (roles.length === 0) continue; // a user without roles would only ever be denied; pick another
    const role = roles[r.int(roles.length)]!;
    if (kind < 85) {
      // Allowed: a route one of the user's roles is granted, an action the rule covers.
      const routes = routesOfRole(role);
      const svc = routes[r.int(routes.length)]!;
      bodies.push(base(email, `/api/svc-${svc}/items/${r.int(1000)}`, r.int(2) ? 'GET' : 'POST', r.int(2) ? 'read' : 'invoke', ['internal']));
      if (active) expected.allow++;
      else expected.deny++;
    } else if (kind < 90) {
      // Chat completions, with a resource-scoped route, for the holders of the big roles.
      const chatRole = roles.find((x) => x < CHAT_ROLES);
      if (chatRole === undefined) continue;
      bodies.push(base(email, '/v1/chat/completions', 'POST', 'invoke', ['internal'], { model: `model-${chatRole}`, endpoint: 'azure-openai' }));
      if (active) expected.allow++;
      else expected.deny++;
    } else if (kind < 93) {
      // Denied by a rule: PHI sent where a deny rule forbids it.
      const denyRole = roles.find((x) => x < PHI_DENY_ROLES);
      if (denyRole === undefined) continue;
      bodies.push(base(email, `/api/svc-${routesOfRole(denyRole)[0]!}/items/${r.int(1000)}`, 'POST', 'invoke', ['PHI']));
      expected.deny++;
    } else {
      // Denied: a route none of the user's roles is granted.
      const granted = new Set(roles.flatMap(routesOfRole));
      let svc = r.int(ROUTES);
      while (granted.has(svc)) svc = r.int(ROUTES);
      bodies.push(base(email, `/api/svc-${svc}/items/${r.int(1000)}`, 'GET', 'read', ['internal']));
      expected.deny++;
    }
  }
  writeFileSync(join(dir, 'requests.json'), JSON.stringify(bodies));
  const grants = store.db.prepare('SELECT count(*) FROM grants WHERE to_v IS NULL').pluck().get() as number;
  console.log(
    `store: ${spec.users} users, ${spec.roles} roles, ${grants} grants, version ${applied.value.version?.id}, built in ${(applied.ms / 1000).toFixed(1)} s (peak RSS ${peakRssMb()} MB); ` +
      `request mix: ${bodies.length} bodies, expected ${expected.allow} allow / ${expected.deny} deny / ${expected.unknown} unknown subject`,
  );
} finally {
  store.close();
}
