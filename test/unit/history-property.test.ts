import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Account } from '../../src/model/account.js';
import type { Group } from '../../src/model/group.js';
import type { SourceBatch } from '../../src/model/source-delta.js';
import { accountKey } from '../../src/resolve/account-key.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { resolveState } from '../../src/resolve/resolve-state.js';
import { SourceCache } from '../../src/apply/source-cache.js';
import { canonicalJson } from '../../src/apply/canonical-json.js';
import { group, inGroup, nested } from '../support/builders.js';
import { seededRandom } from '../../bench/seeded-random.js';
import { SourceModel } from '../support/source-model.js';
import { stateAtVersion } from '../support/state-at-version.js';
import { testApplier } from '../support/test-applier.js';

const SOURCES = ['a', 'b'] as const;
const USERS = Array.from({ length: 24 }, (_, i) => `u${i}`);
const GROUPS = Array.from({ length: 7 }, (_, i) => `g${i}`);

const rules: ResolveRules = {
  linking: [{ by: 'email' }],
  roles: [
    { name: 'r0', rank: 3, grantedBy: [{ group: { source: 'a', name: 'G0' } }, { group: { source: 'b', name: 'G1' } }] },
    { name: 'r1', rank: 2, grantedBy: [{ group: { source: 'a', name: 'G2' } }] },
    { name: 'r2', rank: 1, grantedBy: [{ attribute: { name: 'dept', equals: 'x' } }] },
    { name: 'r3', rank: 0, grantedBy: [{ principals: ['u3@example.com'] }, { group: { source: 'b', name: 'G4' } }] },
  ],
};

type Rand = ReturnType<typeof seededRandom>;

function randomAccount(r: Rand, id: string): Account {
  return {
    externalId: id,
    kind: r.chance(0.1) ? 'service' : 'human',
    status: r.chance(0.15) ? 'suspended' : 'active',
    // Shared emails across sources link accounts; the same email twice in one source is a conflict.
    identifiers: [{ kind: 'email', value: `${r.chance(0.8) ? id : r.pick(USERS)}@example.com` }],
    attributes: r.chance(0.3) ? { dept: r.pick(['x', 'y']) } : {},
  };
}

function randomFull(r: Rand): SourceBatch[] {
  const accounts = r.subset(USERS, 0.6).map((id) => randomAccount(r, id));
  const groups = r.subset(GROUPS, 0.8).map((id) => group(id, id.toUpperCase()));
  const memberships = [];
  for (const g of groups) {
    for (const a of r.subset(accounts, 0.25)) memberships.push(inGroup(g.externalId, a.externalId));
    for (const c of r.subset(groups, 0.15)) memberships.push(nested(g.externalId, c.externalId)); // cycles included
  }
  // Split into a few batches to exercise streaming.
  const cut = r.int(accounts.length + 1);
  return [{ accounts: accounts.slice(0, cut), groups }, { accounts: accounts.slice(cut), memberships }];
}

function randomDelta(r: Rand): SourceBatch[] {
  const b: { -readonly [K in keyof SourceBatch]: SourceBatch[K] } = {};
  if (r.chance(0.6)) b.accounts = r.subset(USERS, 0.1).map((id) => randomAccount(r, id));
  if (r.chance(0.3)) b.groups = r.subset(GROUPS, 0.2).map((id) => group(id, id.toUpperCase()));
  if (r.chance(0.3)) b.removedAccounts = r.subset(USERS, 0.08);
  if (r.chance(0.15)) b.removedGroups = r.subset(GROUPS, 0.15);
  if (r.chance(0.6)) b.memberships = Array.from({ length: r.int(6) }, () => (r.chance(0.8) ? inGroup(r.pick(GROUPS), r.pick(USERS)) : nested(r.pick(GROUPS), r.pick(GROUPS))));
  if (r.chance(0.4)) b.removedMemberships = Array.from({ length: r.int(4) }, () => inGroup(r.pick(GROUPS), r.pick(USERS)));
  if (r.chance(0.2)) b.replaceMembers = [{ groupId: r.pick(GROUPS), members: r.subset(USERS, 0.2).map((id) => ({ memberType: 'account' as const, memberId: id })) }];
  return [b];
}

async function runSeed(seed: number, steps: number): Promise<void> {
  const r = seededRandom(seed);
  const t = testApplier(rules);
  const models = new Map(SOURCES.map((s) => [s, new SourceModel()]));
  const expected = new Map<number, { raw: Record<string, string[]>; resolved: Record<string, string[]> }>();
  for (let step = 0; step < steps; step++) {
    const source = r.pick(SOURCES);
    const model = models.get(source)!;
    const full = step < 2 || r.chance(0.25);
    const list = full ? randomFull(r) : randomDelta(r);
    // Empty snapshots are held by the guard; accept them here to exercise the removal path.
    const result = await t.applier.apply({ source, kind: full ? 'full' : 'delta', batches: (async function* () { yield* list; })(), trigger: 'sync', acceptDeletions: true });
    if (full) model.full(list);
    else model.delta(list);
    t.tick(r.int(5000) + 1);
    if (!result.version) continue;
    const rows = SOURCES.map((s) => models.get(s)!.rows(s));
    const snap = t.applier.snapshot().state;
    expected.set(result.version.id, {
      raw: {
        accounts: rows.flatMap((x) => x.accounts).sort(),
        groups: rows.flatMap((x) => x.groups).sort(),
        memberships: rows.flatMap((x) => x.memberships).sort(),
      },
      resolved: {
        grants: [...snap.grants].flatMap(([pid, roles]) => [...roles].map(([role, path]) => `${pid}|${role}|${canonicalJson(path)}`)).sort(),
        links: [...snap.principalOfAccount].map(([k, pid]) => `${k.replace('\u0000', '|')}|${pid}`).sort(),
      },
    });
  }
  assert.ok(expected.size > 5, `seed ${seed}: too few versions (${expected.size}) to mean anything`);
  for (const [v, want] of expected) {
    const got = stateAtVersion(t.store.db, v);
    for (const k of ['accounts', 'groups', 'memberships'] as const) assert.deepEqual(got[k], want.raw[k], `seed ${seed}, version ${v}: ${k}`);
    assert.deepEqual(got.grants, want.resolved.grants, `seed ${seed}, version ${v}: grants`);
    assert.deepEqual(got.links, want.resolved.links, `seed ${seed}, version ${v}: links`);
    // Independent check: resolving the reconstructed raw state gives the same roles per account.
    const sources = new Map<string, SourceCache>();
    for (const row of got.accounts) {
      const [s, id, ...json] = row.split('|');
      const c = sources.get(s!) ?? new SourceCache();
      sources.set(s!, c);
      c.setAccount(id!, JSON.parse(json.join('|')) as Account);
    }
    for (const row of got.groups) {
      const [s, id, ...json] = row.split('|');
      const c = sources.get(s!) ?? new SourceCache();
      sources.set(s!, c);
      c.setGroup(id!, JSON.parse(json.join('|')) as Group);
    }
    for (const row of got.memberships) {
      const [s, g, m] = row.split('|');
      const c = sources.get(s!) ?? new SourceCache();
      sources.set(s!, c);
      c.setMember(g!, m!, true);
    }
    const fresh = resolveState(sources, rules, new Map());
    const rolesByAccount = (grants: Iterable<[string, Iterable<string>]>, linkOf: (k: string) => string | undefined, keys: string[]) => {
      const byPid = new Map<string, string[]>();
      for (const [pid, roles] of grants) byPid.set(pid, [...roles].sort());
      return keys.map((k) => `${k}:${(byPid.get(linkOf(k) ?? '') ?? []).join(',')}`);
    };
    const keys = got.links.map((l) => { const [s, id] = l.split('|'); return accountKey(s!, id!); }).sort();
    const storedPid = new Map(got.links.map((l) => { const [s, id, pid] = l.split('|'); return [accountKey(s!, id!), pid!] as const; }));
    const storedGrants = new Map<string, string[]>();
    for (const g of got.grants) { const [pid, role] = g.split('|'); storedGrants.set(pid!, [...(storedGrants.get(pid!) ?? []), role!]); }
    assert.deepEqual(
      rolesByAccount(storedGrants, (k) => storedPid.get(k), keys),
      rolesByAccount([...fresh.grants].map(([p, m]) => [p, m.keys()] as [string, Iterable<string>]), (k) => fresh.principalOfAccount.get(k), keys),
      `seed ${seed}, version ${v}: stored roles differ from a fresh resolution of the stored raw state`,
    );
  }
}

describe('history reconstruction (seeded property test)', () => {
  const seeds = Number(process.env.ROSTER_PROPERTY_SEEDS ?? 6);
  for (let seed = 1; seed <= seeds; seed++) {
    it(`seed ${seed}: every version reads back exactly what was applied`, async () => {
      await runSeed(seed, 80);
    });
  }
});
