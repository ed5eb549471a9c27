import type { GrantPath } from '../model/grant-path.js';
import { buildDecisionIndex, cloneDecisionIndex, ownDecisionIndexShards, patchDecisionIndex, type DecisionIndex, type PrincipalChange } from '../policy/decision-index.js';
import type { CompiledPolicy } from '../policy/compiled-policy.js';
import type { HistoryQueries } from '../store/history-queries.js';

/** Above this many changed principals a version is applied to a copy in slices, then swapped. */
const PATCH_IN_PLACE_LIMIT = 2_000;
/** A slice of that work runs at most this long before requests get the event loop back. */
const SLICE_MS = 1;
/** Principals patched between two looks at the clock. */
const STEP = 10;

const yieldToRequests = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function changesAt(history: HistoryQueries, pids: readonly string[], version: number): PrincipalChange[] {
  return pids.map((pid) => {
    const principal = history.bindingAt(pid, version);
    const grants = new Map<string, GrantPath>();
    if (principal) for (const r of history.rolesAt(pid, version)) grants.set(r.role, r.path);
    return { principalId: pid, principal, grants };
  });
}

/**
 * The index at the store's latest version (at start, before the socket listens). Principals and
 * grants are both streamed in principal-id order and merged, so neither all parsed principals
 * nor all grants are ever held at once: the responder's memory is the index.
 */
export function loadIndex(history: HistoryQueries, policy: CompiledPolicy, ranks: ReadonlyMap<string, number>): DecisionIndex {
  const latest = history.latestVersion()?.id ?? 0;
  const index = buildDecisionIndex({ principals: new Map(), grants: new Map(), principalOfAccount: new Map(), conflicts: [] }, latest, policy, ranks);
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
 * Brings an index up to the store's latest version. Small versions are patched in place in one
 * synchronous step; large ones are applied to a copy in slices (yielding to requests between
 * slices) and returned for an atomic swap. Either way no request sees a half-applied version.
 */
export async function followIndex(history: HistoryQueries, index: DecisionIndex): Promise<DecisionIndex> {
  const latest = history.latestVersion()?.id ?? 0;
  if (latest <= index.roleStateVersion) return index;
  if (history.principalsChangedCount(index.roleStateVersion, latest) <= PATCH_IN_PLACE_LIMIT) {
    return patchDecisionIndex(index, latest, changesAt(history, history.principalsChanged(index.roleStateVersion, latest), latest));
  }
  // The copy shares everything with the index that keeps answering; its shards are copied in
  // slices first, since a version this large writes to nearly all of them.
  const copy = cloneDecisionIndex(index);
  let started = performance.now();
  for (const _ of ownDecisionIndexShards(copy)) {
    if (performance.now() - started < SLICE_MS) continue;
    await yieldToRequests();
    started = performance.now();
  }
  return applyInSlices(history, copy, latest, history.principalsChanged(index.roleStateVersion, latest));
}

async function applyInSlices(history: HistoryQueries, index: DecisionIndex, version: number, pids: readonly string[]): Promise<DecisionIndex> {
  let current = index;
  let i = 0;
  while (i < pids.length) {
    const started = performance.now();
    do {
      const end = Math.min(i + STEP, pids.length);
      current = patchDecisionIndex(current, version, changesAt(history, pids.slice(i, end), version));
      i = end;
    } while (i < pids.length && performance.now() - started < SLICE_MS);
    await yieldToRequests();
  }
  return patchDecisionIndex(current, version, []);
}

