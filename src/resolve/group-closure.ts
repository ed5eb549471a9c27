import type { GroupGraph } from './group-graph.js';

/**
 * Every group nested (at any depth) inside `rootId`, including the root itself, with the chain
 * of group names from that group up to the root. Breadth-first, so each chain is a shortest one;
 * among equally short chains the lexicographically smallest wins, so the result does not depend
 * on the order the directory listed its members. Cycles end where a group is seen again.
 */
export function groupClosure(
  graph: GroupGraph,
  rootId: string,
  nameOf: (groupId: string) => string,
): Map<string, readonly string[]> {
  const chains = new Map<string, readonly string[]>([[rootId, [nameOf(rootId)]]]);
  let frontier = [rootId];
  while (frontier.length) {
    const next = new Map<string, readonly string[]>();
    for (const parentId of frontier) {
      const parentChain = chains.get(parentId)!;
      for (const childId of graph.childGroups.get(parentId) ?? []) {
        if (chains.has(childId)) continue;
        const candidate = [nameOf(childId), ...parentChain];
        const current = next.get(childId);
        if (!current || compareChains(candidate, current) < 0) next.set(childId, candidate);
      }
    }
    for (const [id, chain] of next) chains.set(id, chain);
    frontier = [...next.keys()];
  }
  return chains;
}

export function compareChains(a: readonly string[], b: readonly string[]): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
}
