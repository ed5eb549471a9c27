/**
 * Decisions benchmark (a): in-process `decide()` on 100k users / 300 roles / 200 routes / 2,000
 * rules, side by side in the same run with casbin (RBAC, deny-override) and
 * @cedar-policy/cedar-wasm (an equivalent policy set). All three engines answer a sample of the
 * same requests and must agree on allow/deny (the run fails on any mismatch).
 *
 * Roster is timed in-loop: the median of `--rounds` rounds of `--round-size` decisions (a round
 * stops early after `--round-seconds`), and latency in a separate pass with hrtime around each
 * call. The libraries are far slower, so their timing IS the cross-check: each answers the
 * sample (`--check` requests) one call at a time, every call timed, until done or until its time
 * budget runs out (`--casbin-seconds`, `--cedar-seconds`, `--stateless-seconds`); the rate is the
 * median over three consecutive chunks of those calls.
 *
 *   node --max-old-space-size=4096 dist/bench/decisions-inprocess.js
 *     [--rounds=5] [--round-size=1000000] [--round-seconds=3] [--check=2000]
 *     [--casbin-seconds=70] [--cedar-seconds=40] [--stateless-seconds=3]
 *     [--engines=roster,minimal,casbin,cedar,cedar-stateless]
 *
 * What is equivalent across the engines, and what was simplified:
 * - Role resolution (nested groups -> roles) is done once, by Roster's resolver. All engines decide
 *   from the same flattened user -> roles assignment: casbin gets one `g` line per (active user,
 *   role); Cedar gets, per call, the requesting user's entity (parents = its role entities) plus
 *   those role entities, as an integration that looks the user up would pass it.
 * - Subjects: requests carry e-mail addresses (some in mixed case). Roster binds them through its
 *   subject index; the casbin and Cedar integrations lower-case the address and look it up in a
 *   map (e-mail -> principal). Other identifier kinds (uid, employeeId, OIDC sub) are not
 *   exercised by the cross-check.
 * - Inactive (suspended) users: Roster denies them (inactive_subject). casbin: the integration
 *   emits no `g` lines for them. Cedar: the user entity carries `active`, and one
 *   `forbid ... unless { principal.active }` policy denies.
 * - Routes: exact paths (casbin `==`, Cedar `==`), prefixes (casbin `keyMatch(path, prefix*)`, Cedar
 *   `like "prefix*"`), globs (casbin `regexMatch` with the same regex semantics as Roster, `*` =
 *   within one segment, `**` = anything; Cedar `like`, where a single-segment `*` is expressed as
 *   `like "/a/*\/b" && !(like "/a/*\/*\/b")` — so the generator only emits globs with one `*` or
 *   with `**`). Cedar: one policy per rule, `permit|forbid (principal in Role::"r", action in
 *   [...], resource) when { routes && condition }`; a rule of several roles puts
 *   `principal in [Role::"a", Role::"b"]` in the condition instead (one policy per (rule, role)
 *   with the role in the scope measured slower: Cedar evaluates every policy). Route methods and resource.model filters become regex lists (casbin) and
 *   `[...].contains(...)` (Cedar). Overlapping routes (prefix + exact on the same path) exist.
 * - Rules: union combining (any applicable allow, any applicable deny overrides, default deny)
 *   = casbin `some(allow) && !some(deny)` = Cedar permit/forbid. Rule actions -> casbin regex on
 *   r.act / Cedar `action in [...]`. Conditions are only on `context.dataClasses` (contains,
 *   notContains, containsAny): casbin evaluates them with one custom matcher function
 *   (`dataClassCond`, added with addFunction), Cedar with `.contains` / `.containsAny`.
 * - Staleness is not exercised (source "dir" is fresh); `highest-privilege` combining is not
 *   exercised (casbin/Cedar have no equivalent without extra modelling).
 */
import { newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { isAuthorized, preparsePolicySet, statefulIsAuthorized, type EntityJson, type AuthorizationAnswer } from '@cedar-policy/cedar-wasm/nodejs';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { normalizeAccount, normalizeGroup } from '../src/apply/normalize-account.js';
import { SourceCache } from '../src/apply/source-cache.js';
import type { DecisionRequest } from '../src/model/decision.js';
import { compilePolicy } from '../src/policy/compile-policy.js';
import { decide } from '../src/policy/decide.js';
import { buildDecisionIndex, type DecisionIndex } from '../src/policy/decision-index.js';
import { policyHash } from '../src/policy/policy-hash.js';
import { policySchema, type PolicyDocument, type RouteSpec, type RuleSpec } from '../src/policy/policy-schema.js';
import type { SourceFreshness } from '../src/policy/source-freshness.js';
import { resolveState } from '../src/resolve/resolve-state.js';
import { directoryBatches, generatedRoles, SPEC_100K } from './generate-directory.js';
import { median, peakRssMb, percentiles } from './measure.js';
import { seededRandom } from './seeded-random.js';

// ---------------------------------------------------------------------------------------------
// Options
const arg = (name: string, dflt: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const ROUNDS = Number(arg('rounds', '5'));
const ROUND_SIZE = Number(arg('round-size', '1000000'));
/** A Roster round stops early after this long (so a slow build cannot blow the time budget). */
const ROUND_SECONDS = Number(arg('round-seconds', '3'));
const CHECK = Number(arg('check', '2000'));
/** Time budgets of the libraries on the cross-check sample (they also give their timings). */
const CASBIN_SECONDS = Number(arg('casbin-seconds', '70'));
const CEDAR_SECONDS = Number(arg('cedar-seconds', '40'));
const STATELESS_SECONDS = Number(arg('stateless-seconds', '3'));
const ENGINES = new Set(arg('engines', 'roster,minimal,casbin,cedar,cedar-stateless').split(','));
const STARTED = performance.now();
const REQUESTS = 100_000;
const spec = SPEC_100K;
const NOW = Date.parse('2026-03-01T12:00:00Z');
const FRESHNESS: SourceFreshness = new Map([['dir', { lastSuccessAt: NOW - 60_000, maxStalenessMs: 3_600_000 }]]);

const log = (s: string): void => console.log(s);
/** Linux /proc/stat totals (jiffies): to report CPU steal and how busy the machine was meanwhile. */
function cpuStat(): { busy: number; steal: number; total: number } | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    return { busy: user + nice + system + irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
  } catch {
    return null;
  }
}
const secs = (t0: bigint): string => (Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2) + ' s';

// ---------------------------------------------------------------------------------------------
// 1. Directory -> resolved role state (no SQLite)
let t0 = process.hrtime.bigint();
const cache = new SourceCache();
for await (const batch of directoryBatches(spec)) {
  for (const g of batch.groups ?? []) {
    const value = normalizeGroup(g);
    cache.setGroup(g.externalId, value);
  }
  for (const a of batch.accounts ?? []) {
    const value = normalizeAccount(a);
    cache.setAccount(a.externalId, value);
  }
  for (const m of batch.memberships ?? []) cache.setMember(m.groupId, m.memberType === 'account' ? `a:${m.memberId}` : `g:${m.memberId}`, true);
}
const roleDefs = generatedRoles(spec, 'dir');
const state = resolveState(new Map([['dir', cache]]), { linking: [], roles: roleDefs }, new Map());
let grantCount = 0;
for (const g of state.grants.values()) grantCount += g.size;
log(`directory: ${spec.users} users, ${spec.groups} groups, ${spec.roles} roles -> ${state.principals.size} principals, ${grantCount} grants (${(grantCount / state.principals.size).toFixed(1)} roles/user), resolved in ${secs(t0)}`);

/** What the casbin / Cedar integrations look a subject up in: lower-cased e-mail -> user. */
interface UserInfo {
  readonly pid: string;
  readonly active: boolean;
  readonly roles: readonly string[];
}
const userByEmail = new Map<string, UserInfo>();
for (const p of state.principals.values()) {
  const email = p.identifiers.find((i) => i.kind === 'email')?.value;
  if (email === undefined) continue;
  userByEmail.set(email.toLowerCase(), { pid: p.id, active: p.status === 'active', roles: [...(state.grants.get(p.id)?.keys() ?? [])] });
}

// ---------------------------------------------------------------------------------------------
// 2. Policy: 200 routes, 2,000 rules (seeded)
const rnd = seededRandom(20260301);
const pick = <T>(xs: readonly T[]): T => xs[rnd.int(xs.length)]!;
const pickSome = <T>(xs: readonly T[], n: number): T[] => {
  const out = new Set<T>();
  while (out.size < Math.min(n, xs.length)) out.add(pick(xs));
  return [...out];
};
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const ACTIONS = ['invoke', 'read', 'write', 'admin', 'export'];
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'o3', 'claude-sonnet', 'claude-haiku', 'llama-70b', 'mistral-large', 'gemini-pro', 'text-embed-3', 'titan-embed', 'dall-e-3', 'sd-xl'];
const RESOURCES = ['users', 'orders', 'reports', 'items', 'invoices', 'tickets', 'jobs', 'patients', 'claims', 'metrics'];
const SERVICES = 40;

const routes: RouteSpec[] = [];
const addRoute = (r: Omit<RouteSpec, 'failOpen'>): void => void routes.push({ failOpen: false, ...r });
// 20 LLM routes: a few shared paths, told apart by resource.model (several routes per path).
for (let k = 0; k < 20; k++) {
  const path = k < 10 ? '/v1/chat/completions' : k < 15 ? '/v1/embeddings' : '/v1/images/generations';
  addRoute({ name: `llm-${k}`, path, methods: ['POST'], resource: { model: pickSome(MODELS, 1 + rnd.int(3)) } });
}
// 140 exact API routes, unique paths.
const exactPaths = new Set<string>();
while (exactPaths.size < 140) exactPaths.add(`/api/svc${rnd.int(SERVICES)}/${pick(RESOURCES)}`);
let n = 0;
for (const path of exactPaths) addRoute(rnd.next() < 0.6 ? { name: `api-${n++}`, path, methods: pickSome(METHODS, 1 + rnd.int(2)) } : { name: `api-${n++}`, path });
// 30 prefixes: 20 service prefixes (overlapping the exact routes under them), 10 admin areas.
for (let s = 0; s < 20; s++) addRoute(rnd.next() < 0.3 ? { name: `svc-prefix-${s}`, pathPrefix: `/api/svc${s}/`, methods: ['GET'] } : { name: `svc-prefix-${s}`, pathPrefix: `/api/svc${s}/` });
for (let k = 0; k < 10; k++) addRoute({ name: `admin-prefix-${k}`, pathPrefix: `/admin/area${k}/` });
// 10 globs: 5 with one single-segment `*`, 5 with `**`.
for (let k = 0; k < 5; k++) addRoute({ name: `export-glob-${k}`, pathGlob: `/api/svc${20 + k}/*/export`, methods: ['GET', 'POST'] });
for (let k = 0; k < 5; k++) addRoute({ name: `files-glob-${k}`, pathGlob: `/files/team${k}/**/download` });

type Cond = { kind: 'has' | 'not'; value: string } | { kind: 'any'; values: string[] } | null;
const roleNames = roleDefs.map((r) => r.name);
const rules: RuleSpec[] = [];
const condOf = new Map<string, Cond>();
for (let k = 0; k < 2000; k++) {
  const deny = rnd.next() < 0.15;
  const rule: { -readonly [K in keyof RuleSpec]: RuleSpec[K] } = {
    name: `${deny ? 'deny' : 'allow'}-${k}`,
    effect: deny ? 'deny' : 'allow',
    roles: pickSome(roleNames, 1 + rnd.int(deny ? 2 : 3)),
    routes: pickSome(routes.map((r) => r.name), 1 + rnd.int(deny ? 2 : 3)),
  };
  let cond: Cond = null;
  const x = rnd.next();
  if (deny) {
    if (x < 0.6) cond = { kind: 'has', value: 'PHI' };
    else if (x < 0.75) cond = { kind: 'any', values: ['PHI', 'PII'] };
    else if (x < 0.9) rule.actions = [pick(['admin', 'write'])];
    // else: unconditional deny
  } else {
    if (x < 0.25) rule.actions = pickSome(ACTIONS, 1 + rnd.int(2));
    else if (x < 0.33) cond = { kind: 'not', value: 'PHI' };
    else if (x < 0.36) {
      rule.actions = ['invoke'];
      cond = { kind: 'not', value: 'PII' };
    }
  }
  if (cond) {
    rule.when = { 'context.dataClasses': cond.kind === 'any' ? { containsAny: cond.values } : cond.kind === 'has' ? { contains: cond.value } : { notContains: cond.value } };
  }
  condOf.set(rule.name, cond);
  rules.push(rule);
}
const rawDoc = { combining: 'union', routes, rules };
const doc: PolicyDocument = policySchema.parse(rawDoc);
const policyText = JSON.stringify(rawDoc);
t0 = process.hrtime.bigint();
const { policy, problems } = compilePolicy(doc, policyHash(policyText), new Set(roleNames));
if (problems.length) throw new Error(`policy problems: ${JSON.stringify(problems.slice(0, 5))}`);
const ranks = new Map(roleDefs.map((r) => [r.name, r.rank]));
const index: DecisionIndex = buildDecisionIndex(state, 1, policy, ranks);
const routeByName = new Map(routes.map((r) => [r.name, r]));
log(
  `policy: ${routes.length} routes (${routes.filter((r) => r.path).length} exact, ${routes.filter((r) => r.pathPrefix).length} prefix, ${routes.filter((r) => r.pathGlob).length} glob), ` +
    `${rules.length} rules (${rules.filter((r) => r.effect === 'deny').length} deny, ${rules.filter((r) => r.when).length} with conditions, ${rules.filter((r) => r.actions).length} with actions); ` +
    `Roster compile + index ${secs(t0)}`,
);

// ---------------------------------------------------------------------------------------------
// 3. Requests (seeded): allowed / denied / unknown subject / no route / suspended users
const rulesByRole = new Map<string, RuleSpec[]>();
for (const r of rules) for (const role of r.roles) (rulesByRole.get(role) ?? rulesByRole.set(role, []).get(role)!).push(r);
const SEGMENTS = ['a1', 'b22', 'x', '2026', 'q-9', 'item7'];

function pathFor(route: RouteSpec): string {
  if (route.path !== undefined) return route.path;
  if (route.pathPrefix !== undefined) {
    const y = rnd.next();
    // Tails that also hit exact routes under the prefix, deeper paths, or the prefix itself.
    return route.pathPrefix + (y < 0.4 ? pick(RESOURCES) : y < 0.9 ? `${pick(RESOURCES)}/${pick(SEGMENTS)}` : '');
  }
  const glob = route.pathGlob!;
  if (glob.includes('**')) return glob.replace('**', rnd.next() < 0.5 ? pick(SEGMENTS) : `${pick(SEGMENTS)}/${pick(SEGMENTS)}`);
  // Mostly one segment (matches); sometimes two (does not match the glob, may match a prefix).
  return glob.replace('*', rnd.next() < 0.85 ? pick(SEGMENTS) : `${pick(SEGMENTS)}/${pick(SEGMENTS)}`);
}

function makeRequest(): DecisionRequest {
  const u = rnd.next();
  let email: string;
  let info: UserInfo | undefined;
  if (u < 0.06) email = `user${spec.users + rnd.int(1_000_000)}@example.com`;
  else {
    const i = rnd.int(spec.users);
    email = `user${i}@example.com`;
    info = userByEmail.get(email);
  }
  const subjectId = rnd.next() < 0.1 ? email.replace(/^user/, 'User').replace('example.com', 'Example.COM') : email;
  let route: RouteSpec | null;
  let rule: RuleSpec | null = null;
  const r = rnd.next();
  if (r < 0.05) route = null;
  else if (r < 0.6 && info && info.roles.length) {
    const rs = rulesByRole.get(pick(info.roles));
    rule = rs ? pick(rs) : null;
    route = rule ? routeByName.get(pick(rule.routes))! : pick(routes);
  } else route = pick(routes);
  const path = route ? pathFor(route) : pick(['/unknown/thing', `/api/svc${SERVICES + rnd.int(10)}/users`, '/v2/chat/completions', '/admin/areaX/settings', '/files/team9/a/download']);
  const method = route?.methods && rnd.next() < 0.9 ? pick(route.methods) : pick(METHODS);
  const action = rule?.actions && rnd.next() < 0.8 ? pick(rule.actions) : pick(ACTIONS);
  let resource: Record<string, string> | undefined;
  const accepted = route?.resource?.['model'];
  if (accepted !== undefined) resource = { model: rnd.next() < 0.85 ? pick(typeof accepted === 'string' ? [accepted] : accepted) : pick(MODELS) };
  else if (rnd.next() < 0.3) resource = { model: pick(MODELS) };
  const c = rnd.next();
  const context = c < 0.05 ? undefined : { dataClasses: c < 0.25 ? ['PHI'] : c < 0.33 ? ['PII'] : c < 0.38 ? ['PHI', 'PII'] : [] };
  const req: { -readonly [K in keyof DecisionRequest]: DecisionRequest[K] } = { subject: { id: subjectId }, route: path, method, action };
  if (resource) req.resource = resource;
  if (context) req.context = context;
  return req;
}
const requests: DecisionRequest[] = Array.from({ length: REQUESTS }, makeRequest);
{
  const reasons = new Map<string, number>();
  for (const req of requests) {
    const d = decide(index, req, NOW, FRESHNESS);
    reasons.set(d.reason, (reasons.get(d.reason) ?? 0) + 1);
  }
  log(`requests: ${REQUESTS} pre-generated; Roster outcomes: ${[...reasons].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${((100 * v) / REQUESTS).toFixed(1)}%`).join(', ')}`);
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
const listRe = (xs: readonly string[] | string | undefined): string => (xs === undefined ? '*' : `^(${(typeof xs === 'string' ? [xs] : xs).map(escapeRe).join('|')})$`);
/** Roster's glob semantics written independently: `**` any characters, `*` within one segment. */
const globRe = (glob: string): string => '^' + glob.split('**').map((part) => part.split('*').map(escapeRe).join('[^/]*')).join('.*') + '$';
const condString = (c: Cond): string => (c === null ? '' : c.kind === 'any' ? `any:${c.values.join(',')}` : `${c.kind}:${c.value}`);

// ---------------------------------------------------------------------------------------------
// 4. Roster: throughput (median of rounds) and latency (separate sampled pass)
interface Row {
  engine: string;
  rate: number;
  p50: number;
  p99: number;
  agreement: string;
  note: string;
}
const rows: Row[] = [];
const fmtInt = (x: number): string => Math.round(x).toLocaleString('en-US');

// Timer overhead of one hrtime.bigint() pair, so the latency figures can be read against it.
const timerNs: number[] = [];
for (let k = 0; k < 200_000; k++) {
  const a = process.hrtime.bigint();
  timerNs.push(Number(process.hrtime.bigint() - a));
}
const timerOverhead = median(timerNs);

/** Throughput rounds + a latency pass, shared by Roster and the reference index. */
function report(engine: string, rounds: readonly { done: number; ns: number }[], lat: number[], agreement: string): void {
  const rates = rounds.map((r) => r.done / (r.ns / 1e9));
  const p = percentiles(lat);
  const capped = rounds.some((r) => r.done < ROUND_SIZE);
  log(`${engine}: ${rounds.map((r, i) => `${fmtInt(r.done)} in ${(r.ns / 1e9).toFixed(2)} s = ${fmtInt(rates[i]!)}/s`).join('; ')}`);
  rows.push({
    engine,
    rate: median(rates),
    p50: p.p50,
    p99: p.p99,
    agreement,
    note: `median of ${rounds.length} rounds of ${fmtInt(ROUND_SIZE)} decisions${capped ? ` (each capped at ${ROUND_SECONDS} s)` : ''}; latency over ${fmtInt(lat.length)} timed calls, max ${(p.max / 1000).toFixed(0)} µs`,
  });
}
let sink = 0;

const stat0 = cpuStat();
if (ENGINES.has('roster')) {
  /** Up to `count` decisions (cycling over the requests), stopping early after `maxNs`. */
  const pass = (count: number, maxNs: number): { done: number; ns: number } => {
    const start = process.hrtime.bigint();
    let done = 0;
    while (done < count) {
      const m = Math.min(10_000, count - done);
      const from = done % REQUESTS;
      for (let k = 0; k < m; k++) if (decide(index, requests[(from + k) % REQUESTS]!, NOW, FRESHNESS).decision === 'allow') sink++;
      done += m;
      if (Number(process.hrtime.bigint() - start) > maxNs) break;
    }
    return { done, ns: Number(process.hrtime.bigint() - start) };
  };
  pass(REQUESTS * 2, 3e9); // warm-up
  const rounds: { done: number; ns: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) rounds.push(pass(ROUND_SIZE, ROUND_SECONDS * 1e9));
  // Latency: a separate pass, hrtime around each call.
  const lat = new Array<number>(2 * REQUESTS);
  for (let k = 0; k < lat.length; k++) {
    const req = requests[k % REQUESTS]!;
    const t = process.hrtime.bigint();
    const d = decide(index, req, NOW, FRESHNESS);
    lat[k] = Number(process.hrtime.bigint() - t);
    if (d.decision === 'allow') sink++;
  }
  report('roster decide()', rounds, lat, 'reference');
}
const stat1 = cpuStat();

// ---------------------------------------------------------------------------------------------
// 4b. A minimal hand-written index over the same data (a yardstick for this machine, not a
//     product): same allow/deny semantics, but no decision record, reasons, freshness, subject
//     kinds or path canonicalization. Checked against Roster on all requests.
interface MRule {
  readonly allow: boolean;
  readonly actions: ReadonlySet<string> | null;
  readonly cond: Cond;
}
interface MRoute {
  readonly methods: ReadonlySet<string> | null;
  readonly models: ReadonlySet<string> | null;
  readonly byRole: (MRule[] | undefined)[];
}
const roleIdx = new Map(roleNames.map((r, i) => [r, i]));
const mRoutes = new Map<string, MRoute>();
const mExact = new Map<string, MRoute[]>();
const mPrefix = new Map<string, MRoute[]>();
const mGlobs: { re: RegExp; route: MRoute }[] = [];
for (const r of routes) {
  const models = r.resource?.['model'];
  const route: MRoute = { methods: r.methods ? new Set(r.methods) : null, models: models === undefined ? null : new Set(typeof models === 'string' ? [models] : models), byRole: [] };
  mRoutes.set(r.name, route);
  if (r.path !== undefined) (mExact.get(r.path) ?? mExact.set(r.path, []).get(r.path)!).push(route);
  else if (r.pathPrefix !== undefined) (mPrefix.get(r.pathPrefix) ?? mPrefix.set(r.pathPrefix, []).get(r.pathPrefix)!).push(route);
  else mGlobs.push({ re: new RegExp(globRe(r.pathGlob!)), route });
}
const mPrefixLens = [...new Set([...mPrefix.keys()].map((k) => k.length))].sort((a, b) => a - b);
for (const rule of rules) {
  const m: MRule = { allow: rule.effect === 'allow', actions: rule.actions ? new Set(rule.actions) : null, cond: condOf.get(rule.name)! };
  for (const rn of rule.routes) for (const role of rule.roles) (mRoutes.get(rn)!.byRole[roleIdx.get(role)!] ??= []).push(m);
}
const mUsers = new Map<string, { readonly active: boolean; readonly roles: readonly number[] }>();
for (const [email, info] of userByEmail) mUsers.set(email, { active: info.active, roles: info.roles.map((r) => roleIdx.get(r)!) });

function condHolds(c: Cond, classes: unknown): boolean {
  if (c === null) return true;
  const list = Array.isArray(classes) ? (classes as unknown[]) : [];
  if (c.kind === 'any') {
    for (const v of c.values) if (list.includes(v)) return true;
    return false;
  }
  return c.kind === 'has' ? list.includes(c.value) : !list.includes(c.value);
}
/** 0 = no applicable rule, 1 = allow, 2 = deny. */
function mRouteVerdict(route: MRoute, roles: readonly number[], req: DecisionRequest, method: string): number {
  if (route.methods && !route.methods.has(method)) return 0;
  if (route.models) {
    const model = req.resource?.['model'];
    if (model === undefined || !route.models.has(model)) return 0;
  }
  let verdict = 0;
  for (const role of roles) {
    const list = route.byRole[role];
    if (!list) continue;
    for (const rule of list) {
      if (rule.actions && !rule.actions.has(req.action ?? '')) continue;
      if (!condHolds(rule.cond, req.context?.['dataClasses'])) continue;
      if (!rule.allow) return 2;
      verdict = 1;
    }
  }
  return verdict;
}
function minimalDecide(req: DecisionRequest): boolean {
  const user = mUsers.get(req.subject.id.toLowerCase());
  if (user === undefined || !user.active) return false;
  const path = req.route;
  const method = req.method ?? 'GET';
  let allow = false;
  const exact = mExact.get(path);
  if (exact) for (const r of exact) {
    const v = mRouteVerdict(r, user.roles, req, method);
    if (v === 2) return false;
    if (v === 1) allow = true;
  }
  for (const len of mPrefixLens) {
    if (len > path.length) break;
    const list = mPrefix.get(path.slice(0, len));
    if (list) for (const r of list) {
      const v = mRouteVerdict(r, user.roles, req, method);
      if (v === 2) return false;
      if (v === 1) allow = true;
    }
  }
  for (const g of mGlobs) {
    if (!g.re.test(path)) continue;
    const v = mRouteVerdict(g.route, user.roles, req, method);
    if (v === 2) return false;
    if (v === 1) allow = true;
  }
  return allow;
}
if (ENGINES.has('minimal')) {
  let agreed = 0;
  const bad: string[] = [];
  for (const req of requests) {
    const d = decide(index, req, NOW, FRESHNESS);
    if (minimalDecide(req) === (d.decision === 'allow')) agreed++;
    else if (bad.length < 5) bad.push(`${d.decision} (${d.reason}) vs minimal: ${JSON.stringify(req)}`);
  }
  if (bad.length) {
    console.error(`MISMATCH: the minimal index disagrees with Roster on ${REQUESTS - agreed} requests:\n  ${bad.join('\n  ')}`);
    process.exit(1);
  }
  const pass = (count: number, maxNs: number): { done: number; ns: number } => {
    const start = process.hrtime.bigint();
    let done = 0;
    while (done < count) {
      const m = Math.min(10_000, count - done);
      const from = done % REQUESTS;
      for (let k = 0; k < m; k++) if (minimalDecide(requests[(from + k) % REQUESTS]!)) sink++;
      done += m;
      if (Number(process.hrtime.bigint() - start) > maxNs) break;
    }
    return { done, ns: Number(process.hrtime.bigint() - start) };
  };
  pass(REQUESTS * 2, 3e9);
  const rounds: { done: number; ns: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) rounds.push(pass(ROUND_SIZE, ROUND_SECONDS * 1e9));
  const lat = new Array<number>(2 * REQUESTS);
  for (let k = 0; k < lat.length; k++) {
    const req = requests[k % REQUESTS]!;
    const t = process.hrtime.bigint();
    const allow = minimalDecide(req);
    lat[k] = Number(process.hrtime.bigint() - t);
    if (allow) sink++;
  }
  report('minimal hand-written index (yardstick)', rounds, lat, `${agreed}/${REQUESTS} (all requests)`);
}
log(`(sink ${sink})`);

// ---------------------------------------------------------------------------------------------
// 5. The cross-check sample: every library answers the same requests, each call timed; any
//    disagreement with Roster on allow/deny fails the run.
const sample = requests.slice(0, CHECK);
const rosterSays = sample.map((req) => decide(index, req, NOW, FRESHNESS));
{
  const byReason = new Map<string, number>();
  for (const d of rosterSays) byReason.set(d.reason, (byReason.get(d.reason) ?? 0) + 1);
  log(`cross-check sample: the first ${CHECK} requests; Roster: ${[...byReason].map(([k, v]) => `${k} ${v}`).join(', ')}`);
}

function checkAndTime(engine: string, fn: (r: DecisionRequest) => boolean, budgetS: number): void {
  const lat: number[] = [];
  const ends: number[] = [];
  const mismatches: string[] = [];
  let agreed = 0;
  const start = performance.now();
  const deadline = start + budgetS * 1000;
  for (let k = 0; k < sample.length; k++) {
    const req = sample[k]!;
    const t = performance.now();
    const allow = fn(req);
    const end = performance.now();
    lat.push((end - t) * 1e6);
    ends.push(end);
    const d = rosterSays[k]!;
    if (allow === (d.decision === 'allow')) agreed++;
    else if (mismatches.length < 10) mismatches.push(`${engine} says ${allow ? 'allow' : 'deny'}, Roster says ${d.decision} (${d.reason}${d.authorizedBy ? ' ' + JSON.stringify(d.authorizedBy) : ''}, roles ${JSON.stringify(d.roles)}): ${JSON.stringify(req)}`);
    if (end > deadline) break;
  }
  const checked = lat.length;
  if (mismatches.length) {
    console.error(`MISMATCH: ${engine} disagrees with Roster on ${checked - agreed} of ${checked} requests — the comparison is void:`);
    for (const m of mismatches) console.error('  ' + m);
    process.exit(1);
  }
  // Rate: median over 3 consecutive chunks of the calls (wall time, calls back to back).
  const rates: number[] = [];
  const third = Math.floor(checked / 3);
  if (third > 0) {
    for (let c = 0; c < 3; c++) {
      const from = c === 0 ? start : ends[c * third - 1]!;
      const to = ends[(c + 1) * third - 1]!;
      rates.push(third / ((to - from) / 1000));
    }
  } else rates.push(checked / ((ends[checked - 1]! - start) / 1000));
  const p = percentiles(lat);
  const wall = (ends[checked - 1]! - start) / 1000;
  const agreement = `${agreed}/${checked}${checked < CHECK ? ` (time-capped, of ${CHECK})` : ''}`;
  log(`${engine}: ${checked} calls in ${wall.toFixed(1)} s, agrees with Roster on ${agreed}/${checked}; chunk rates ${rates.map((r) => r.toFixed(1)).join(', ')} /s`);
  rows.push({ engine, rate: median(rates), p50: p.p50, p99: p.p99, agreement, note: `${checked} calls (the cross-check sample, budget ${budgetS} s), median of 3 chunks` });
}

// ---------------------------------------------------------------------------------------------
// 6. casbin: RBAC, deny-override, one p line per (rule, role, route), one g line per (user, role)
const CASBIN_MODEL = `
[request_definition]
r = sub, path, method, model, act, classes

[policy_definition]
p = sub, kind, path, method, model, act, cond, eft

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = (p.kind == "exact" && r.path == p.path || p.kind == "prefix" && keyMatch(r.path, p.path) || p.kind == "glob" && regexMatch(r.path, p.path)) && g(r.sub, p.sub) && (p.method == "*" || regexMatch(r.method, p.method)) && (p.model == "*" || regexMatch(r.model, p.model)) && (p.act == "*" || regexMatch(r.act, p.act)) && (p.cond == "" || dataClassCond(r.classes, p.cond))
`;

/** Roster's contains / notContains / containsAny on context.dataClasses, as a casbin function. */
function dataClassCond(classes: unknown, cond: string): boolean {
  const list = Array.isArray(classes) ? (classes as unknown[]) : [];
  const [kind, value] = [cond.slice(0, 3), cond.slice(4)];
  if (kind === 'has') return list.includes(value);
  if (kind === 'not') return !list.includes(value);
  return value.split(',').some((v) => list.includes(v));
}

if (ENGINES.has('casbin')) {
  t0 = process.hrtime.bigint();
  const casbin: Enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL));
  await casbin.addFunction('dataClassCond', (...args: unknown[]) => dataClassCond(args[0], String(args[1])));
  const pLines: string[][] = [];
  for (const rule of rules) {
    for (const role of rule.roles) {
      for (const routeName of rule.routes) {
        const route = routeByName.get(routeName)!;
        const [kind, path] = route.path !== undefined ? ['exact', route.path] : route.pathPrefix !== undefined ? ['prefix', route.pathPrefix + '*'] : ['glob', globRe(route.pathGlob!)];
        pLines.push([role, kind, path, listRe(route.methods), listRe(route.resource?.['model']), listRe(rule.actions), condString(condOf.get(rule.name)!), rule.effect]);
      }
    }
  }
  const gLines: string[][] = [];
  for (const [email, info] of userByEmail) if (info.active) for (const role of info.roles) gLines.push([email, role]);
  await casbin.addPolicies(pLines);
  await casbin.addGroupingPolicies(gLines);
  log(`casbin: ${pLines.length} p lines, ${gLines.length} g lines, loaded in ${secs(t0)}; it scans every p line per request (no index by role or route)`);
  const casbinDecide = (req: DecisionRequest): boolean =>
    casbin.enforceSync(req.subject.id.toLowerCase(), req.route, req.method ?? 'GET', req.resource?.['model'] ?? '', req.action ?? '', (req.context?.['dataClasses'] as unknown) ?? []);
  checkAndTime('casbin', casbinDecide, CASBIN_SECONDS);
}

// ---------------------------------------------------------------------------------------------
// 7. Cedar: one policy per rule, plus one forbid for inactive users
const lit = (s: string): string => JSON.stringify(s);
function cedarRoute(route: RouteSpec): string {
  const parts: string[] = [];
  if (route.path !== undefined) parts.push(`context.path == ${lit(route.path)}`);
  else if (route.pathPrefix !== undefined) parts.push(`context.path like ${lit(route.pathPrefix + '*')}`);
  else {
    const glob = route.pathGlob!;
    if (glob.includes('**')) {
      if (glob.replace('**', '').includes('*')) throw new Error(`glob ${glob} not expressible in Cedar here`);
      parts.push(`context.path like ${lit(glob.replace('**', '*'))}`);
    } else {
      if (glob.split('*').length !== 2) throw new Error(`glob ${glob} not expressible in Cedar here`);
      parts.push(`context.path like ${lit(glob)} && !(context.path like ${lit(glob.replace('*', '*/*'))})`);
    }
  }
  if (route.methods) parts.push(`[${route.methods.map(lit).join(', ')}].contains(context.method)`);
  const models = route.resource?.['model'];
  if (models !== undefined) parts.push(`context has model && [${(typeof models === 'string' ? [models] : models).map(lit).join(', ')}].contains(context.model)`);
  return `(${parts.join(' && ')})`;
}
const cedarPolicies: Record<string, string> = {
  'inactive-subject': 'forbid (principal, action, resource) unless { principal.active };',
};
for (const rule of rules) {
  const action = rule.actions ? `action in [${rule.actions.map((a) => `Action::${lit(a)}`).join(', ')}]` : 'action';
  const where = rule.routes.map((r) => cedarRoute(routeByName.get(r)!)).join(' || ');
  const cond = condOf.get(rule.name)!;
  const c =
    cond === null
      ? ''
      : cond.kind === 'any'
        ? ` && context.dataClasses.containsAny([${cond.values.map(lit).join(', ')}])`
        : cond.kind === 'has'
          ? ` && context.dataClasses.contains(${lit(cond.value)})`
          : ` && !context.dataClasses.contains(${lit(cond.value)})`;
  const who = rule.roles.length === 1 ? `principal in Role::${lit(rule.roles[0]!)}` : 'principal';
  const whoWhen = rule.roles.length === 1 ? '' : `principal in [${rule.roles.map((r) => `Role::${lit(r)}`).join(', ')}] && `;
  cedarPolicies[rule.name] = `${rule.effect === 'allow' ? 'permit' : 'forbid'} (${who}, ${action}, resource) when { ${whoWhen}(${where})${c} };`;
}
const roleEntityCache = new Map<string, EntityJson>();
const roleEntity = (r: string): EntityJson => {
  let e = roleEntityCache.get(r);
  if (!e) roleEntityCache.set(r, (e = { uid: { type: 'Role', id: r }, attrs: {}, parents: [] }));
  return e;
};
function cedarCall(req: DecisionRequest): { principal: { type: string; id: string }; action: { type: string; id: string }; resource: { type: string; id: string }; context: Record<string, string | string[]>; entities: EntityJson[] } {
  const info = userByEmail.get(req.subject.id.toLowerCase());
  const principal = { type: 'User', id: info?.pid ?? `unknown:${req.subject.id}` };
  // Only the requesting user's entity and its role entities, built per call.
  const entities: EntityJson[] = info ? [{ uid: principal, attrs: { active: info.active }, parents: info.roles.map((r) => ({ type: 'Role', id: r })) }, ...info.roles.map(roleEntity)] : [];
  const context: Record<string, string | string[]> = { path: req.route, method: req.method ?? 'GET', dataClasses: (req.context?.['dataClasses'] as string[] | undefined) ?? [] };
  const model = req.resource?.['model'];
  if (model !== undefined) context['model'] = model;
  return { principal, action: { type: 'Action', id: req.action ?? '' }, resource: { type: 'Route', id: req.route }, context, entities };
}
function cedarAnswer(a: AuthorizationAnswer): boolean {
  if (a.type !== 'success') throw new Error(`cedar: ${JSON.stringify(a.errors.slice(0, 2))}`);
  return a.response.decision === 'allow';
}
const PSET = 'bench';
if (ENGINES.has('cedar')) {
  t0 = process.hrtime.bigint();
  const parsed = preparsePolicySet(PSET, { staticPolicies: cedarPolicies });
  if (parsed.type !== 'success') throw new Error(`cedar: policy set does not parse: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  const kib = Math.round(Object.values(cedarPolicies).reduce((s, p) => s + p.length, 0) / 1024);
  log(`cedar: ${Object.keys(cedarPolicies).length} policies (${kib} KiB of Cedar text), preparsed in ${secs(t0)}`);
  checkAndTime('cedar-wasm statefulIsAuthorized (preparsed)', (req) => cedarAnswer(statefulIsAuthorized({ ...cedarCall(req), preparsedPolicySetId: PSET })), CEDAR_SECONDS);
}
if (ENGINES.has('cedar-stateless')) {
  checkAndTime('cedar-wasm isAuthorized (policies passed per call)', (req) => cedarAnswer(isAuthorized({ ...cedarCall(req), policies: { staticPolicies: cedarPolicies } })), STATELESS_SECONDS);
}

// ---------------------------------------------------------------------------------------------
// 8. Report
const fmtNs = (ns: number): string => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1000).toFixed(2)} µs`);
const table = [['engine', 'decisions/s (median)', 'p50', 'p99', 'sample agreement', 'notes'], ...rows.map((r) => [r.engine, r.rate >= 100 ? fmtInt(r.rate) : r.rate.toFixed(1), fmtNs(r.p50), fmtNs(r.p99), r.agreement, r.note])];
const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
log('');
for (const [i, row] of table.entries()) {
  log(row.map((cell, c) => (c === 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd());
  if (i === 0) log(widths.map((w) => '-'.repeat(w)).join('  '));
}
log('');
log(`latencies include the timer: one hrtime.bigint() pair per Roster call (median overhead here ${timerOverhead} ns), performance.now() pairs for the libraries.`);
const roster = rows.find((r) => r.engine.startsWith('roster'));
if (roster) {
  log(
    `target for Roster: >= 1,000,000 decisions/s ${roster.rate >= 1_000_000 ? 'MET' : 'NOT MET'} (${fmtInt(roster.rate)}/s); ` +
      `p99 <= 5 µs ${roster.p99 <= 5_000 ? 'MET' : 'NOT MET'} (${fmtNs(roster.p99)})`,
  );
}
if (stat0 && stat1 && stat1.total > stat0.total) {
  const d = stat1.total - stat0.total;
  log(
    `machine during the Roster rounds: ${availableParallelism()} CPUs, ${((100 * (stat1.busy - stat0.busy)) / d).toFixed(0)}% busy (all processes), ` +
      `${((100 * (stat1.steal - stat0.steal)) / d).toFixed(0)}% stolen by the hypervisor; load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  );
}
log(`peak RSS ${peakRssMb()} MB; total ${((performance.now() - STARTED) / 1000).toFixed(0)} s`);
