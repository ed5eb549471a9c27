import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { seededRandom } from '../../bench/seeded-random.js';
import { DecisionLogWriter } from '../../src/audit/decision-log-writer.js';
import { canonicalJson } from '../../src/apply/canonical-json.js';
import { ComplianceService } from '../../src/compliance/compliance-service.js';
import { pointInTime } from '../../src/compliance/point-in-time.js';
import { whoCould, type RequestShape } from '../../src/compliance/who-could.js';
import { parsePolicy } from '../../src/config/load-policy.js';
import type { RosterConfig } from '../../src/config/roster-config.js';
import type { Account } from '../../src/model/account.js';
import type { DecisionRequest } from '../../src/model/decision.js';
import type { DecisionSettings } from '../../src/model/decision-settings.js';
import type { SourceBatch } from '../../src/model/source-delta.js';
import type { CompiledPolicy } from '../../src/policy/compiled-policy.js';
import { decide } from '../../src/policy/decide.js';
import { buildDecisionIndex } from '../../src/policy/decision-index.js';
import { EMPTY_POLICY } from '../../src/policy/empty-policy.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import type { ResolvedState } from '../../src/resolve/resolved-state.js';
import { DecisionLogStore } from '../../src/store/decision-log-store.js';
import { group, inGroup, nested } from '../support/builders.js';
import { testApplier } from '../support/test-applier.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * Seeded random histories (syncs and SCIM writes of two sources, policy changes, decisions). The compliance
 * queries read the store; the expectations come from the applier's in-memory state at each
 * moment and a brute-force decide() over every principal, never from the store.
 */
const SOURCES = ['a', 'b'] as const;
const USERS = Array.from({ length: 20 }, (_, i) => `u${i}`);
const GROUPS = Array.from({ length: 6 }, (_, i) => `g${i}`);
const ROLES = [
  { name: 'r0', rank: 30 },
  { name: 'r1', rank: 20 },
  { name: 'r2', rank: 10 },
  { name: 'r3', rank: 0 },
];
const rules: ResolveRules = {
  linking: [{ by: 'email' }],
  roles: [
    { ...ROLES[0]!, grantedBy: [{ group: { source: 'a', name: 'G0' } }, { group: { source: 'b', name: 'G1' } }] },
    { ...ROLES[1]!, grantedBy: [{ group: { source: 'a', name: 'G2' } }, { group: { source: 'b', name: 'G2' } }] },
    { ...ROLES[2]!, grantedBy: [{ attribute: { name: 'dept', equals: 'x' } }, { group: { source: 'a', name: 'G3' } }] },
    { ...ROLES[3]!, grantedBy: [{ principals: ['u3@example.com'] }, { group: { source: 'b', name: 'G4' } }] },
  ],
};

const POLICIES = [
  `combining: union
routes:
  - { name: chat, path: /v1/chat, methods: [POST] }
  - { name: phi-chat, path: /v1/chat, methods: [POST], resource: { endpoint: hipaa } }
  - { name: tickets, pathPrefix: /tickets/ }
rules:
  - { name: r0-chat, effect: allow, roles: [r0], routes: [chat, phi-chat] }
  - { name: r1-phi, effect: allow, roles: [r1], routes: [phi-chat], when: { context.dataClasses: { contains: PHI } } }
  - { name: r2-no-phi, effect: deny, roles: [r2], routes: [chat], when: { context.dataClasses: { contains: PHI } } }
  - { name: r2-chat, effect: allow, roles: [r2], routes: [chat] }
  - { name: r3-tickets, effect: allow, roles: [r3], routes: [tickets], actions: [read] }
`,
  `combining: highest-privilege
routes:
  - { name: chat, path: /v1/chat, methods: [POST] }
  - { name: tickets, pathPrefix: /tickets/ }
rules:
  - { name: r0-tickets-only, effect: allow, roles: [r0], routes: [tickets] }
  - { name: r1-chat, effect: allow, roles: [r1], routes: [chat] }
  - { name: r2-chat, effect: allow, roles: [r2, r3], routes: [chat, tickets], actions: [read, invoke] }
`,
  `combining: union
routes:
  - { name: everything, pathGlob: /** }
rules:
  - { name: r3-all, effect: allow, roles: [r3, r1], routes: [everything] }
  - { name: r1-deny-write, effect: deny, roles: [r1], routes: [everything], actions: [write] }
`,
];

const SHAPES: RequestShape[] = [
  { route: '/v1/chat', method: 'POST', action: 'invoke' },
  { route: '/v1/chat', method: 'POST', action: 'invoke', context: { dataClasses: ['PHI'] } },
  { route: '/v1/chat', method: 'POST', action: 'invoke', resource: { endpoint: 'hipaa' }, context: { dataClasses: ['PHI'] } },
  { route: '/tickets/7', method: 'GET', action: 'read' },
  { route: '/tickets/7', method: 'POST', action: 'write' },
];

type Rand = ReturnType<typeof seededRandom>;

const account = (r: Rand, id: string): Account => ({
  externalId: id,
  kind: 'human',
  status: r.chance(0.15) ? 'suspended' : 'active',
  identifiers: [{ kind: 'email', value: `${id}@example.com` }],
  attributes: r.chance(0.3) ? { dept: r.pick(['x', 'y']) } : {},
});

function randomFull(r: Rand): SourceBatch[] {
  const accounts = r.subset(USERS, 0.7).map((id) => account(r, id));
  const groups = r.subset(GROUPS, 0.9).map((id) => group(id, id.toUpperCase()));
  const memberships = [];
  for (const g of groups) {
    for (const a of r.subset(accounts, 0.3)) memberships.push(inGroup(g.externalId, a.externalId));
    for (const c of r.subset(groups, 0.1)) memberships.push(nested(g.externalId, c.externalId));
  }
  return [{ accounts, groups, memberships }];
}

function randomDelta(r: Rand): SourceBatch[] {
  return [
    {
      accounts: r.subset(USERS, 0.1).map((id) => account(r, id)),
      memberships: Array.from({ length: r.int(5) }, () => inGroup(r.pick(GROUPS), r.pick(USERS))),
      removedMemberships: Array.from({ length: r.int(4) }, () => inGroup(r.pick(GROUPS), r.pick(USERS))),
      ...(r.chance(0.1) ? { removedAccounts: r.subset(USERS, 0.1) } : {}),
    },
  ];
}

// Decision settings change now and then too: ranks (which highest-privilege combining and the
// authorizing role depend on) and the staleness limit (a 2-hour-old source is stale under the first).
const RANK_SETS = [ROLES.map((r) => r.rank), [0, 10, 20, 30], [10, 30, 0, 20]];
const LIMITS = [3_600_000, 10_800_000];
const settingsOf = (ranks: readonly number[], limit: number): DecisionSettings => ({
  ranks: new Map(ROLES.map((r, i) => [r.name, ranks[i]!])),
  maxStaleness: new Map(SOURCES.map((s) => [s, limit])),
});
const CONFIGURED = settingsOf(RANK_SETS[0]!, LIMITS[0]!);
const fresh = (now: number, s: DecisionSettings) => new Map(SOURCES.map((id) => [id, { lastSuccessAt: now, maxStalenessMs: s.maxStaleness.get(id)! }]));
const roleNames = new Set(ROLES.map((r) => r.name));
const config = { roles: ROLES, sources: SOURCES.map((id) => ({ id, maxStaleness: LIMITS[0] })) } as unknown as RosterConfig;

/** Brute force: every principal of the state, decided one by one. */
function allowedAt(state: ResolvedState, version: number, policy: CompiledPolicy, settings: DecisionSettings, shape: RequestShape, now: number): string[] {
  const index = buildDecisionIndex(state, version, policy, settings.ranks);
  const out: string[] = [];
  for (const id of state.principals.keys()) {
    const d = decide(index, { ...shape, subject: { id, kind: 'principal' } }, now, fresh(now, settings));
    if (d.decision === 'allow') out.push(`${id}|${d.authorizedBy!.role}|${d.authorizedBy!.rule}|${canonicalJson(state.grants.get(id)!.get(d.authorizedBy!.role))}`);
  }
  return out.sort();
}

interface Moment {
  readonly time: number;
  readonly expected: string[][];
}

async function runSeed(seed: number): Promise<void> {
  const r = seededRandom(seed);
  const t = testApplier(rules);
  const log = DecisionLogStore.open(join(tempDir(), 'decisions.db'));
  const writer = new DecisionLogWriter(log, { mode: 'async', windowMs: 60_000, maxBatch: 16 });
  let policy: CompiledPolicy = EMPTY_POLICY;
  // Recorded at the start, as the daemon does before the decision process starts.
  let settings: DecisionSettings = { ...CONFIGURED, version: t.store.decisionSettings.activate(CONFIGURED, t.now()) };
  // The decision process takes up new settings a moment after they are recorded: until then it
  // decides with these, and its records name them.
  let previous = settings;
  const moments: Moment[] = [];
  // Per version: principal -> role -> canonical path, for the timeline check.
  const grantsByVersion: [number, Map<string, Map<string, string>>][] = [];
  const snapshotNow = (): void => {
    const snap = t.applier.snapshot();
    const v = snap.version?.id ?? 0;
    moments.push({ time: t.now(), expected: SHAPES.map((s) => (v === 0 ? [] : allowedAt(snap.state, v, policy, settings, s, t.now()))) });
  };
  let decisions = 0;
  for (let step = 0; step < 50; step++) {
    t.tick(r.int(10_000) + 1);
    if (step > 0 && r.chance(0.15)) {
      const text = r.pick(POLICIES);
      const loaded = parsePolicy(text, 'p.yaml', roleNames);
      t.store.policies.activate(loaded.hash, text, t.now());
      policy = loaded.policy;
      snapshotNow();
      continue;
    }
    if (step > 0 && r.chance(0.1)) {
      const next = settingsOf(r.pick(RANK_SETS), r.pick(LIMITS));
      previous = settings;
      settings = { ...next, version: t.store.decisionSettings.activate(next, t.now()) };
      snapshotNow();
      continue;
    }
    if (step > 3 && r.chance(0.35)) {
      // Decisions as the responder makes them: the current index, sometimes with a stale source,
      // sometimes still with the previous settings.
      const snap = t.applier.snapshot();
      const v = snap.version?.id ?? 0;
      const used = r.chance(0.3) ? previous : settings;
      const index = buildDecisionIndex(snap.state, v, policy, used.ranks, used.version);
      for (let i = 0; i < 4; i++) {
        const pick = r.int(4);
        const subject = pick === 0 ? { id: `${r.pick(USERS)}@example.com` } : pick === 1 ? { id: r.pick([...snap.state.principals.keys(), 'p_0000000000000000']), kind: 'principal' } : pick === 2 ? { id: 'nobody@example.com' } : { id: `${r.pick(USERS).toUpperCase()}@EXAMPLE.COM` };
        const request: DecisionRequest = { ...r.pick(SHAPES), subject };
        const freshness = r.chance(0.2) ? new Map([...fresh(t.now(), used)].map(([s, f]) => [s, { ...f, lastSuccessAt: t.now() - 7_200_000 }])) : fresh(t.now(), used);
        const decisionId = `d-${seed}-${decisions++}`;
        writer.append({ decisionId, at: t.now(), request, decision: { ...decide(index, request, t.now(), freshness), decisionId }, settingsVersion: index.settingsVersion });
      }
      continue;
    }
    const source = r.pick(SOURCES);
    const full = step < 2 || r.chance(0.25);
    // Deltas are sometimes SCIM writes (same applier, trigger scim), as a push source delivers them.
    const trigger = !full && r.chance(0.4) ? 'scim' : 'sync';
    const result = await t.applier.apply({ source, kind: full ? 'full' : 'delta', batches: (async function* () { yield* full ? randomFull(r) : randomDelta(r); })(), trigger, acceptDeletions: true });
    if (!result.version) continue;
    const state = t.applier.snapshot().state;
    grantsByVersion.push([result.version.id, new Map([...state.grants].map(([pid, g]) => [pid, new Map([...g].map(([role, path]) => [role, canonicalJson(path)]))]))]);
    snapshotNow();
  }
  writer.close();
  const service = new ComplianceService(config, t.store, log, t.now);

  // who-could at random times (and exactly at each moment) equals the brute force in force then.
  const start = moments[0]!.time;
  const times = [...moments.map((m) => m.time), ...Array.from({ length: 30 }, () => start + r.int(t.now() - start + 1))];
  for (const time of times) {
    const m = [...moments].reverse().find((x) => x.time <= time)!;
    SHAPES.forEach((shape, i) => {
      const got = service.whoCould(shape, { time }).principals.map((p) => `${p.principalId}|${p.role}|${p.rule}|${canonicalJson(p.path)}`).sort();
      assert.deepEqual(got, m.expected[i], `seed ${seed}, T=${time}, shape ${i}`);
      // The one-pass path for large candidate sets gives the same answer.
      const bulk = whoCould(t.store, pointInTime(t.store, { time }, CONFIGURED), shape, 0).principals.map((p) => `${p.principalId}|${p.role}|${p.rule}|${canonicalJson(p.path)}`).sort();
      assert.deepEqual(bulk, got, `seed ${seed}, T=${time}, shape ${i} (bulk)`);
    });
  }

  // Replay reproduces every recorded decision.
  assert.ok(decisions > 10, `seed ${seed}: too few decisions (${decisions})`);
  for (const row of log.scan()) {
    const replay = service.replay(row.decisionId);
    assert.ok(replay.matches, `seed ${seed}: ${row.decisionId} differs in ${replay.differences.join(', ')}: ${JSON.stringify(replay)}`);
  }

  // Timelines equal the differences between consecutive versions' grants.
  const expectedEvents = new Map<string, string[]>();
  let prev = new Map<string, Map<string, string>>();
  for (const [v, grants] of grantsByVersion) {
    for (const pid of new Set([...prev.keys(), ...grants.keys()])) {
      const before = prev.get(pid) ?? new Map<string, string>();
      const after = grants.get(pid) ?? new Map<string, string>();
      const list = expectedEvents.get(pid) ?? [];
      for (const [role, path] of after) {
        if (!before.has(role)) list.push(`${v}|${role}|gained|${path}`);
        else if (before.get(role) !== path) list.push(`${v}|${role}|regranted|${path}`);
      }
      for (const [role, path] of before) if (!after.has(role)) list.push(`${v}|${role}|lost|${path}`);
      expectedEvents.set(pid, list);
    }
    prev = grants;
  }
  for (const [pid, want] of expectedEvents) {
    if (want.length === 0) continue;
    const got = service.timeline(pid).events.filter((e) => e.principalId === pid).map((e) => `${e.version}|${e.role}|${e.change}|${canonicalJson(e.path)}`);
    assert.deepEqual(got.sort(), [...want].sort(), `seed ${seed}: timeline of ${pid}`);
  }
  log.close();
  t.store.close();
}

describe('compliance queries over random histories (seeded property test)', () => {
  const seeds = Number(process.env.ROSTER_PROPERTY_SEEDS ?? 5);
  for (let seed = 1; seed <= seeds; seed++) {
    it(`seed ${seed}: who-could equals brute force at random times; every decision replays; timelines match`, async () => {
      await runSeed(seed);
    });
  }
});
