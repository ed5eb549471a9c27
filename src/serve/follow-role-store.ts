import type { DecisionSettings } from '../model/decision-settings.js';
import type { GrantPath } from '../model/grant-path.js';
import { applyPreparedInPlace, buildDecisionIndex, cloneDecisionIndex, entryMakerFor, inPlaceCost, ownDecisionIndexShards, patchDecisionIndex, patchWithPrepared, prepareEntries, rerankerFor, type DecisionIndex, type PreparedEntry, type PrincipalChange } from '../policy/decision-index.js';
import type { CompiledPolicy } from '../policy/compiled-policy.js';
import { settleStaged, stageEntries } from '../policy/staged-entries.js';
import type { HistoryQueries } from '../store/history-queries.js';

/**
 * The most map changes (joins, leaves, changed identifiers; 8 units of ~2 µs each) a version may
 * make to the answering index in the one step that moves it to the version: about 10 ms. Other
 * changed principals are staged beforehand and cost the step nothing. A version with more is
 * applied to a copy in slices and swapped: no step that long, but every shard of both maps is
 * copied, and the garbage collector's full mark that the copies bring on held requests for
 * hundreds of ms (a 10%-of-100k version, in the socket-during-apply benchmark).
 */
const PREPARED_IN_PLACE_LIMIT = 5_000;
/** Entries staged or folded between two looks at the clock (each costs a map lookup or a write to an entry: ~1 µs at most). */
const STAGE_STEP = 50;
/**
 * A slice of that work runs about this long before requests get the event loop back. At 1 ms
 * (with 10 principals between looks at the clock) slices measured 1.5-9 ms on a busy 2-vCPU
 * machine, and a request arriving at a slice's start waited all of it: p99 during a follow
 * went past 2 ms. Smaller slices make the follow a little longer and no request wait long.
 */
const SLICE_MS = 0.3;
/** Principals read between two looks at the clock. */
const STEP = 2;
/** Prepared entries put into a copy between two looks at the clock (~15 µs each at most). */
const SLICE_ENTRIES = 20;
/** Changed principal ids read per query. */
const PAGE = 500;

const yieldToRequests = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The given principals as they are at `version` (null principal: gone), read two queries each. */
export function changesAt(history: HistoryQueries, pids: readonly string[], version: number): PrincipalChange[] {
  return pids.map((pid) => {
    const principal = history.bindingAt(pid, version);
    const grants = new Map<string, GrantPath>();
    if (principal) for (const r of history.rolesAt(pid, version)) grants.set(r.role, r.path);
    return { principalId: pid, principal, grants };
  });
}

/**
 * The index at the store's latest version, or `version` (at start, before the socket listens). Principals and
 * grants are both streamed in principal-id order and merged, so neither all parsed principals
 * nor all grants are ever held at once: the responder's memory is the index.
 */
export function loadIndex(history: HistoryQueries, policy: CompiledPolicy, settings: Pick<DecisionSettings, 'ranks' | 'version'>, version?: number): DecisionIndex {
  const latest = version ?? history.latestVersion()?.id ?? 0;
  const index = buildDecisionIndex({ principals: new Map(), grants: new Map(), principalOfAccount: new Map(), conflicts: [] }, latest, policy, settings.ranks, settings.version);
  const changes = (function* (): Generator<PrincipalChange> {
    const grants = history.grantsAt(latest);
    let next = grants.next();
    for (const p of history.bindingsAt(latest)) {
      // Grants of principals that sort before this one have no principal: skip them.
      while (!next.done && next.value.principalId < p.id) next = grants.next();
      const mine = new Map<string, GrantPath>();
      while (!next.done && next.value.principalId === p.id) {
        mine.set(next.value.role, next.value.path);
        next = grants.next();
      }
      yield { principalId: p.id, principal: p, grants: mine };
    }
    grants.return(undefined);
  })();
  return patchDecisionIndex(index, latest, changes);
}

/**
 * Brings an index up to the store's latest version, or `upTo`. The new entries are read and made
 * in slices (yielding to requests between them) while the index keeps answering the version it
 * has, and staged on the entries they replace (stageEntries); then one synchronous step applies
 * the joins, leaves and identifier changes and moves the index to the new version, which every
 * staged entry takes effect with. When those map changes would cost more than `inPlaceLimit` (see
 * PREPARED_IN_PLACE_LIMIT; below 0: always), the version is applied to a copy in slices and the
 * copy is returned for an atomic swap. Either way no request sees a half-applied version. The
 * staged entries are folded in later (settleInSlices: after the swap, or first thing next time).
 */
export async function followIndex(history: HistoryQueries, index: DecisionIndex, upTo?: number, inPlaceLimit = PREPARED_IN_PLACE_LIMIT): Promise<DecisionIndex> {
  const latest = upTo ?? history.latestVersion()?.id ?? 0;
  if (latest <= index.roleStateVersion) return index;
  await settleInSlices(index);
  const ids = await changedInSlices(history, index.roleStateVersion, latest);
  // Nothing writes the index meanwhile: its refresh is the one running.
  const { prepared, cost } = await prepareInSlices(history, index, latest, ids);
  if (cost > inPlaceLimit || inPlaceLimit < 0) return patchInSlices(await ownedCopy(index), latest, prepared);
  const rest = await stageInSlices(index, latest, prepared);
  return applyPreparedInPlace(index, latest, rest);
}

/** Folds the entries staged on `index` into it (a decision reads the same before and after), a step at a time between requests. */
export const settleInSlices = (index: DecisionIndex): Promise<void> => runInSlices(settleStaged(index, STAGE_STEP));

/** Stages prepared entries on the index (stageEntries), a batch at a time between requests; returns the ones left for the final step. */
async function stageInSlices(index: DecisionIndex, version: number, prepared: readonly PreparedEntry[]): Promise<PreparedEntry[]> {
  const rest: PreparedEntry[] = [];
  await forEachSlice(prepared, STAGE_STEP, (chunk) => {
    for (const p of stageEntries(index, version, chunk)) rest.push(p);
  });
  return rest;
}

/** Runs `steps` (each well under SLICE_MS), yielding to requests whenever SLICE_MS has passed. */
async function runInSlices(steps: Iterable<void>): Promise<void> {
  let started = performance.now();
  for (const _ of steps) {
    if (performance.now() - started < SLICE_MS) continue;
    await yieldToRequests();
    started = performance.now();
  }
}

/** Puts prepared entries into a copy being built, a batch at a time between requests, and returns it at `version`. */
async function patchInSlices(copy: DecisionIndex, version: number, prepared: Iterable<PreparedEntry>): Promise<DecisionIndex> {
  await runInSlices(
    (function* () {
      let batch: PreparedEntry[] = [];
      for (const p of prepared) {
        batch.push(p);
        if (batch.length < SLICE_ENTRIES) continue;
        patchWithPrepared(copy, batch);
        batch = [];
        yield;
      }
      patchWithPrepared(copy, batch);
    })(),
  );
  return { ...copy, roleStateVersion: version };
}

/**
 * A copy sharing everything with the index that keeps answering, its shards copied in slices
 * first: a version this large writes to nearly all of them.
 */
async function ownedCopy(index: DecisionIndex): Promise<DecisionIndex> {
  const copy = cloneDecisionIndex(index);
  await runInSlices(ownDecisionIndexShards(copy));
  return copy;
}

/**
 * The index under new ranks or a new policy (a reload that changed ranks), at version `upTo`, built
 * on a copy in slices while the old index keeps answering. A principal unchanged since the index's
 * version gets its entry remade from the one the index has (the same roles in the new order, with
 * the new policy's role ids: rerankerFor); one changed since is read at `upTo`. Reading every
 * principal from the store (two queries each) took ~6 s at 100k principals, and new versions,
 * revocations included, waited behind it.
 */
export async function rebuildInSlices(history: HistoryQueries, index: DecisionIndex, policy: CompiledPolicy, settings: Pick<DecisionSettings, 'ranks' | 'version'>, upTo: number): Promise<DecisionIndex> {
  await settleInSlices(index);
  const copy = await ownedCopy({ ...index, policy, ranks: settings.ranks, settingsVersion: settings.version });
  const changed = new Set(upTo > index.roleStateVersion ? await changedInSlices(history, index.roleStateVersion, upTo) : []);
  const rerank = rerankerFor(copy);
  // Nothing writes the old index meanwhile (its refresh is the one running), so it is read across yields.
  const remade = function* (): Generator<PreparedEntry> {
    for (const [principalId, entry] of index.principals) if (!changed.has(principalId)) yield { principalId, entry: rerank(entry) };
  };
  await patchInSlices(copy, copy.roleStateVersion, remade());
  // Made by the copy's entry maker, so under the new ranks; every entry of the copy is then its own.
  return patchInSlices(copy, upTo, (await prepareInSlices(history, copy, upTo, [...changed])).prepared);
}

/** The principals versions (from, to] touched, read a page at a time between requests. */
async function changedInSlices(history: HistoryQueries, from: number, to: number): Promise<string[]> {
  const ids = new Set<string>();
  for (let v = from + 1; v <= to; v++) {
    for (let after = ''; ; ) {
      const page = history.principalsTouchedPage(v, after, PAGE);
      for (const id of page) ids.add(id);
      await yieldToRequests();
      if (page.length < PAGE) break;
      after = page[page.length - 1]!;
    }
  }
  return [...ids];
}

/**
 * The entries of `pids` at `version`, read and made a slice at a time between requests, and what
 * applying them to `index` in place would cost (inPlaceCost), reckoned here so the one-step apply
 * does only the apply.
 */
async function prepareInSlices(history: HistoryQueries, index: DecisionIndex, version: number, pids: readonly string[]): Promise<{ prepared: PreparedEntry[]; cost: number }> {
  const prepared: PreparedEntry[] = [];
  let cost = 0;
  const entries = entryMakerFor(index);
  await forEachSlice(pids, STEP, (chunk) => {
    const made = prepareEntries(changesAt(history, chunk, version), entries);
    cost += inPlaceCost(index, made);
    for (const p of made) prepared.push(p);
  });
  return { prepared, cost };
}

/** Calls `step` with `size` items at a time, yielding to requests after each ~SLICE_MS of them. */
const forEachSlice = <T>(items: readonly T[], size: number, step: (chunk: readonly T[]) => void): Promise<void> =>
  runInSlices(
    (function* () {
      for (let i = 0; i < items.length; i += size) {
        step(items.slice(i, i + size));
        yield;
      }
    })(),
  );
