import assert from 'node:assert/strict';
import type { ResolveRules } from '../../../src/resolve/resolve-rules.js';
import type { testApplier } from '../../support/test-applier.js';
import type { FakeOrg } from './org.js';
import { FakeOkta, type FakeOktaOptions } from './server.js';

/** The source id the integration tests use. */
export const SOURCE = 'okta';

/** Roles from Okta groups (by name and by id) and from a profile attribute. */
export const OKTA_ROLES: ResolveRules = {
  linking: [],
  roles: [
    { name: 'engineer', rank: 5, grantedBy: [{ group: { source: SOURCE, name: 'engineering' } }] },
    { name: 'operator', rank: 4, grantedBy: [{ group: { source: SOURCE, name: 'ops' } }] },
    { name: 'cardiologist', rank: 3, grantedBy: [{ attribute: { source: SOURCE, name: 'department', equals: 'Cardiology' } }] },
    { name: 'everyone', rank: 1, grantedBy: [{ group: { source: SOURCE, name: 'Everyone' } }] },
  ],
};

export interface SmallOrg {
  readonly fake: FakeOkta;
  readonly ids: Record<'alice' | 'bob' | 'carol' | 'dave' | 'eve' | 'frank', string>;
  readonly groups: Record<'engineering' | 'ops' | 'everyone' | 'empty', string>;
  /** Bulk users (to make pages), all in engineering. */
  readonly bulk: string[];
}

/**
 * A small org: alice (engineering, Cardiology), bob (engineering, ops), carol (ops, LOCKED_OUT),
 * dave (STAGED), eve (SUSPENDED, engineering), frank (DEPROVISIONED, ops), `bulk` more active users in
 * engineering, groups engineering (OKTA_GROUP), ops (APP_GROUP), Everyone (BUILT_IN, everybody) and
 * an empty group. Everything is an hour old.
 */
export async function smallOrg(bulkUsers = 25, options: FakeOktaOptions = {}): Promise<SmallOrg> {
  const fake = await new FakeOkta({ windowMs: 1000, ...options }).start();
  const o: FakeOrg = fake.org;
  const add = (login: string, status: Parameters<FakeOrg['addUser']>[0]['status'], profile: Record<string, unknown> = {}) =>
    o.addUser({ login: `${login}@example.com`, firstName: login[0]!.toUpperCase() + login.slice(1), lastName: 'Test', status, profile });
  const ids = {
    alice: add('alice', 'ACTIVE', { department: 'Cardiology', title: 'Physician' }),
    bob: add('bob', 'ACTIVE', { department: 'Engineering' }),
    carol: add('carol', 'LOCKED_OUT', { department: 'Operations' }),
    dave: add('dave', 'STAGED'),
    eve: add('eve', 'SUSPENDED'),
    frank: add('frank', 'DEPROVISIONED'),
  };
  const bulk: string[] = [];
  for (let i = 0; i < bulkUsers; i++) bulk.push(o.addUser({ login: `bulk${i}@example.com`, firstName: 'Bulk', lastName: String(i) }));
  const groups = {
    engineering: o.addGroup({ name: 'engineering' }),
    ops: o.addGroup({ name: 'ops', type: 'APP_GROUP' }),
    everyone: o.addGroup({ name: 'Everyone', type: 'BUILT_IN' }),
    empty: o.addGroup({ name: 'empty' }),
  };
  for (const id of [ids.alice, ids.bob, ids.eve, ...bulk]) o.addMember(groups.engineering, id);
  for (const id of [ids.bob, ids.carol, ids.frank]) o.addMember(groups.ops, id);
  for (const id of o.userIds) o.addMember(groups.everyone, id);
  o.age(3_600_000);
  return { fake, ids, groups, bulk };
}

/** Options of the source for a fake (small pages so everything paginates). */
export function fakeOptions(fake: FakeOkta, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orgUrl: fake.url + '/',
    auth: { type: 'apiToken', token: { file: 'okta.token' } },
    pageSize: { users: 7, groupMembers: 5, logs: 3 },
    retries: { attempts: 3, initialDelay: '20ms', maxDelay: '200ms' },
    requestTimeout: '2s',
    ...extra,
  };
}

type T = ReturnType<typeof testApplier>;

/** The roles a subject holds at version v (exactly one principal must match it). */
export function rolesOf(t: T, subject: string, v: number): string[] {
  const pids = t.store.history.principalsForSubject(subject, v);
  assert.equal(pids.length, 1, `exactly one principal for ${subject} at v${v} (got ${pids.length})`);
  return t.store.history.rolesAt(pids[0]!, v).map((r) => r.role).sort();
}

/** The status of the principal a subject names at version v, or null when none. */
export function statusOf(t: T, subject: string, v: number): string | null {
  const pids = t.store.history.principalsForSubject(subject, v);
  if (pids.length === 0) return null;
  return (JSON.parse(t.store.history.principalData(pids[0]!, v)!) as { status: string }).status;
}

/** The stored cursor of the source. */
export const storedCursor = (t: T): string | null => t.store.syncStates().find((s) => s.source === SOURCE)?.cursor ?? null;
