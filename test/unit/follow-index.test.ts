import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../bench/seeded-random.js';
import { parsePolicy } from '../../src/config/load-policy.js';
import { buildDecisionIndex, type DecisionIndex } from '../../src/policy/decision-index.js';
import { lookupSubject } from '../../src/policy/lookup-subject.js';
import { ShardedMap } from '../../src/policy/sharded-map.js';
import { entryAt } from '../../src/policy/staged-entries.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { followIndex, loadIndex, rebuildInSlices, settleInSlices } from '../../src/serve/follow-role-store.js';
import { group, inGroup, user } from '../support/builders.js';
import { testApplier } from '../support/test-applier.js';

describe('sharded map', () => {
  it('behaves as a map, and a clone is copy-on-write in both directions', () => {
    const r = seededRandom(5);
    const a = new ShardedMap<number>();
    const model = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const k = `k${r.int(3000)}`;
      if (r.int(4) === 0) assert.equal(a.delete(k), model.delete(k));
      else a.set(k, i), model.set(k, i);
    }
    assert.equal(a.size, model.size);
    assert.deepEqual(new Map(a), model);
    const b = a.clone();
    b.set('new', 1).delete('k1');
    a.set('only-a', 2);
    assert.equal(a.get('new'), undefined);
    assert.equal(a.get('k1'), model.get('k1'));
    assert.equal(b.get('only-a'), undefined);
    assert.equal(b.has('k1'), false);
    assert.equal(b.size, model.size + 1 - (model.has('k1') ? 1 : 0));
    assert.deepEqual(new Map(a.clone()), new Map([...model, ['only-a', 2]]));
  });
});

/** Every principal's answer-relevant entry (as a decision reads it: entryAt), and what each e-mail binds to. */
function snapshot(index: DecisionIndex, emails: readonly string[]): unknown {
  const entries = [...index.principals].map(([id, held]) => {
    const e = entryAt(index, held);
    return [id, e.status, e.roles.join(','), e.roleIds.join(','), e.sources.join(',')];
  }).sort();
  const bound = emails.map((m) => {
    const found = lookupSubject(index, { id: m });
    return found && 'principalId' in found ? found.principalId : String(found);
  });
  return { version: index.roleStateVersion, entries, bound };
}

describe('following the role store', () => {
  it('a version is read and made between requests, then applied in one step; above the limit it is applied to a copy; each equals a fresh load', async () => {
    const rules: ResolveRules = {
      linking: [],
      roles: [
        { name: 'staff', rank: 1, grantedBy: [{ group: { source: 'd', name: 'all' } }] },
        { name: 'admin', rank: 5, grantedBy: [{ group: { source: 'd', name: 'admins' } }] },
      ],
    };
    const t = testApplier(rules);
    const policy = parsePolicy('routes: []\nrules: []\n', 'p.yaml', new Set(['staff', 'admin'])).policy;
    const ranks = new Map([['staff', 1], ['admin', 5]]);
    const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `u${from + i}`);
    const emails = [...ids(0, 3600).map((id) => `${id}@example.com`), ...ids(0, 3600).map((id) => `${id}@new.example.com`)];
    const sync = (present: string[], admins: string[], suspended: ReadonlySet<string> = new Set(), moved: ReadonlySet<string> = new Set()) =>
      t.full('d', {
        accounts: present.map((id) => user(id, {
          ...(suspended.has(id) ? { status: 'suspended' as const } : {}),
          ...(moved.has(id) ? { identifiers: [{ kind: 'email' as const, value: `${id}@new.example.com`, verified: true }] } : {}),
        })),
        groups: [group('all'), group('admins')],
        memberships: [...present.map((id) => inGroup('all', id)), ...admins.map((id) => inGroup('admins', id))],
      });
    /** What the answering index says of every 25th user, at every turn of the event loop until `follow` settles. */
    const sample = ids(0, 3600).filter((_, i) => i % 25 === 0);
    const probe = (index: DecisionIndex): unknown =>
      sample.map((id) => [`${id}@example.com`, `${id}@new.example.com`].map((m) => {
        const e = lookupSubject(index, { id: m });
        return e && 'principalId' in e ? [e.principalId, e.status, e.roles.join()] : String(e);
      }));
    const watch = async <T>(index: DecisionIndex, follow: Promise<T>): Promise<{ result: T; seen: unknown[] }> => {
      const seen: unknown[] = [];
      let done = false;
      const looking = (async () => {
        while (!done) {
          seen.push(probe(index));
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const result = await follow.finally(() => (done = true));
      await looking;
      return { result, seen };
    };
    await sync(ids(0, 3000), ids(0, 100));
    const v1 = loadIndex(t.store.history, policy, { ranks });
    const before = snapshot(v1, emails);
    const probed = probe(v1);
    const pid850 = (v1.subjects.lookup('u850@example.com') as { principalId: string }).principalId;

    // 1,400 principals change (in place: the 200 joins, leaves and e-mail changes cost 1,600 of
    // the limit's 5,000 units; the others are staged): roles and status move too.
    t.tick();
    await sync(ids(50, 3050), ids(2000, 3000), new Set(ids(600, 700)), new Set(ids(800, 900)));
    const { result: v2, seen } = await watch(v1, followIndex(t.store.history, v1));
    assert.ok(seen.length > 10, 'the follow yielded to requests');
    for (const s of seen) assert.deepEqual(s, probed, 'until the one step, the answering index answered its own version');
    assert.ok(v2.unsettled.entries.length > 1000, 'the principals that kept their identifiers were staged');
    assert.equal(v1.unsettled, v2.unsettled);
    assert.notDeepEqual(probe(v2), probed);
    assert.notDeepEqual(snapshot(v2, emails), before);
    assert.equal(v2.principals, v1.principals, 'applied to the answering index itself');
    assert.deepEqual(snapshot(v2, emails), snapshot(loadIndex(t.store.history, policy, { ranks }), emails));
    // And equal to an index built from the whole resolved state (full principal documents).
    const full = buildDecisionIndex(t.store.history.stateAt(v2.roleStateVersion), v2.roleStateVersion, policy, ranks);
    assert.deepEqual(snapshot(v2, emails), snapshot(full, emails));
    const idfs = (x: typeof v2) => [...x.principals].map(([id, e]) => [id, entryAt(x, e).identifierKinds, entryAt(x, e).identifierValues]).sort();
    assert.deepEqual(idfs(v2), idfs(full));
    assert.equal((v2.subjects.lookup('u850@new.example.com') as { principalId: string }).principalId, pid850, 'the same principal, bound by its new e-mail');
    assert.equal(v2.subjects.lookup('u850@example.com'), null, 'a changed e-mail no longer binds');
    // Folding the staged entries in changes nothing a decision reads, even through the index's
    // older object (settling judges by the version the index was moved to, not by the object).
    const staged = snapshot(v2, emails);
    await settleInSlices(v1);
    assert.equal(v2.unsettled.entries.length, 0);
    assert.ok([...v2.principals.values()].every((e) => e.staged === undefined));
    assert.deepEqual(snapshot(v2, emails), staged);

    // More principals than the limit: applied to a copy in slices while the old index keeps answering unchanged.
    t.tick();
    await sync(ids(0, 3300), ids(0, 1500), new Set(), new Set(ids(800, 850)));
    const answering2 = snapshot(v2, emails);
    const probed2 = probe(v2);
    const { result: v2b, seen: seen2 } = await watch(v2, followIndex(t.store.history, v2, undefined, 1000));
    assert.notEqual(v2b.principals, v2.principals);
    assert.ok(seen2.length > 10);
    for (const s of seen2) assert.deepEqual(s, probed2);
    assert.deepEqual(snapshot(v2, emails), answering2, 'the index that kept answering did not change');
    assert.deepEqual(snapshot(v2b, emails), snapshot(loadIndex(t.store.history, policy, { ranks }), emails));
    assert.deepEqual(idfs(v2b), idfs(buildDecisionIndex(t.store.history.stateAt(v2b.roleStateVersion), v2b.roleStateVersion, policy, ranks)));

    // Few principals but many joins (8 units each, over a limit of 1,000): prepared, then applied
    // to a copy; the roles of 50 others move too, and the answering index must not see them early.
    t.tick();
    await sync(ids(0, 3450), ids(0, 1450), new Set(), new Set(ids(800, 850)));
    const probed3 = probe(v2b);
    const { result: v2c, seen: seen3 } = await watch(v2b, followIndex(t.store.history, v2b, undefined, 1000));
    assert.notEqual(v2c.principals, v2b.principals);
    for (const s of seen3) assert.deepEqual(s, probed3);
    assert.deepEqual(probe(v2b), probed3, 'the index that kept answering did not change');
    assert.deepEqual(snapshot(v2c, emails), snapshot(loadIndex(t.store.history, policy, { ranks }), emails));

    // A small version is patched in place (same object), and still equals a fresh load.
    t.tick();
    await sync(ids(0, 3450), ids(0, 1460));
    const v3 = await followIndex(t.store.history, v2c);
    assert.deepEqual(snapshot(v3, emails), snapshot(loadIndex(t.store.history, policy, { ranks }), emails));
    assert.equal(v3.principals, v2c.principals);

    // Two large versions behind (changed ids read page by page, per version, deduplicated).
    t.tick();
    await sync(ids(0, 3300), ids(0, 1500));
    t.tick();
    await sync(ids(200, 3600), ids(1000, 1500), new Set(ids(0, 900)));
    const v5 = await followIndex(t.store.history, v3, undefined, 1000);
    assert.notEqual(v5.principals, v3.principals, 'by the copy');
    assert.equal(v5.roleStateVersion, v3.roleStateVersion + 2);
    assert.deepEqual(snapshot(v5, emails), snapshot(loadIndex(t.store.history, policy, { ranks }), emails));

    // New ranks (a reload), with a version behind: rebuilt on a copy in slices, equal to a fresh
    // load under the new ranks (roles reordered), while the index that kept answering is unchanged.
    t.tick();
    await sync(ids(100, 3500), ids(1200, 1300));
    const answering = snapshot(v5, emails);
    const reranked = new Map([['staff', 9], ['admin', 2]]);
    const latest = t.store.history.latestVersion()!.id;
    const v6 = await rebuildInSlices(t.store.history, v5, policy, { ranks: reranked, version: 7 }, latest);
    assert.deepEqual(snapshot(v5, emails), answering);
    assert.deepEqual(snapshot(v6, emails), snapshot(loadIndex(t.store.history, policy, { ranks: reranked }), emails));
    assert.equal(v6.settingsVersion, 7);
    assert.ok([...v6.principals].some(([, e]) => e.roles.join() === 'staff,admin'), 'roles are ordered by the new ranks');
  });
});
