import { principalIdFor } from './principal-id-for.js';

/**
 * Gives each cluster of accounts a principal id, keeping the id its accounts had before so that
 * ids survive syncs: a cluster takes the smallest previous id of its accounts not yet taken by an
 * earlier cluster (clusters are sorted, so this is deterministic); otherwise a derived id.
 */
export function assignPrincipalIds(
  clusters: readonly (readonly string[])[],
  previous: ReadonlyMap<string, string>,
  /** Ids held by principals outside these clusters (an incremental relink): never reused. */
  heldElsewhere: (id: string) => boolean = () => false,
): string[] {
  const taken = new Set<string>();
  const ids: string[] = [];
  const fresh: number[] = [];
  clusters.forEach((cluster, i) => {
    let best: string | undefined;
    for (const key of cluster) {
      const p = previous.get(key);
      if (p !== undefined && !taken.has(p) && (best === undefined || p < best)) best = p;
    }
    if (best !== undefined) taken.add(best);
    else fresh.push(i);
    ids.push(best ?? '');
  });
  // Previous ids all claimed first, so a fresh id can never steal one a later cluster keeps.
  for (const i of fresh) {
    const anchor = clusters[i]![0]!;
    let attempt = 0;
    let id = principalIdFor(anchor);
    while (taken.has(id) || heldElsewhere(id)) id = principalIdFor(anchor, ++attempt);
    taken.add(id);
    ids[i] = id;
  }
  return ids;
}
