import type { HistoryQueries } from '../store/history-queries.js';

/**
 * A set of roles, shared by every principal that holds exactly these (of the roles asked
 * about): a node of a trie keyed by role, so 100k holders make a handful of sets, not 100k.
 */
export class RoleSet {
  private readonly next = new Map<string, RoleSet>();

  constructor(
    /** In the order the roles were asked about. */
    readonly roles: readonly string[],
    /** Holds a role with an allow rule: only such holders can be allowed. */
    readonly allowing: boolean,
  ) {}

  with(role: string, allows: boolean): RoleSet {
    let s = this.next.get(role);
    if (!s) this.next.set(role, (s = new RoleSet([...this.roles, role], this.allowing || allows)));
    return s;
  }
}

/** One principal's holding: its role set and the grant path id of each role, in the set's order. */
export interface Holding {
  set: RoleSet;
  readonly paths: number[];
}

/** Who held which of `roles` at version v: one covering-index scan per role, no per-row objects beyond the holding. */
export function holdingsAt(history: HistoryQueries, roles: Iterable<string>, allowing: ReadonlySet<string>, v: number): Map<string, Holding> {
  const none = new RoleSet([], false);
  const out = new Map<string, Holding>();
  for (const role of roles) {
    const allows = allowing.has(role);
    for (const [principalId, pathId] of history.holderRowsAt(role, v)) {
      const h = out.get(principalId);
      if (h) {
        h.set = h.set.with(role, allows);
        h.paths.push(pathId);
      } else out.set(principalId, { set: none.with(role, allows), paths: [pathId] });
    }
  }
  return out;
}
