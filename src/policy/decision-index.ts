import type { PrincipalStatus } from '../model/principal-status.js';
import type { ResolvedState } from '../resolve/resolved-state.js';
import type { CompiledPolicy } from './compiled-policy.js';
import { SubjectIndex } from './subject-index.js';

/** A principal as decisions need it: status, roles by descending rank, the sources behind them. */
export interface SubjectEntry {
  readonly principalId: string;
  readonly status: PrincipalStatus;
  /** Role names, highest rank first (ties by name). */
  readonly roles: readonly string[];
  /** Sources that grant any of the roles (static config grants excluded: they cannot go stale). */
  readonly sources: readonly string[];
}

/**
 * The immutable decision index: one role-state version and one policy version, compiled together.
 * Built after each commit or policy reload and swapped in whole, so every decision sees one
 * consistent (roleStateVersion, policyVersion) pair.
 */
export interface DecisionIndex {
  readonly roleStateVersion: number;
  readonly policy: CompiledPolicy;
  readonly subjects: SubjectIndex;
  readonly principals: ReadonlyMap<string, SubjectEntry>;
  readonly ranks: ReadonlyMap<string, number>;
}

export function buildDecisionIndex(
  state: ResolvedState,
  roleStateVersion: number,
  policy: CompiledPolicy,
  ranks: ReadonlyMap<string, number>,
): DecisionIndex {
  const principals = new Map<string, SubjectEntry>();
  const byRank = (a: string, b: string): number => (ranks.get(b) ?? 0) - (ranks.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0);
  // Many principals hold the same role set: share one frozen array per distinct set.
  const roleLists = new Map<string, readonly string[]>();
  for (const p of state.principals.values()) {
    const grants = state.grants.get(p.id);
    let roles: readonly string[] = [];
    const sources = new Set<string>();
    if (grants) {
      const names = [...grants.keys()].sort(byRank);
      const key = names.join('\u0000');
      roles = roleLists.get(key) ?? Object.freeze(names);
      roleLists.set(key, roles);
      for (const path of grants.values()) if (path.via !== 'static') sources.add(path.source);
    }
    principals.set(p.id, { principalId: p.id, status: p.status, roles, sources: [...sources] });
  }
  return { roleStateVersion, policy, subjects: new SubjectIndex(state.principals.values()), principals, ranks };
}

/** The same principals and subjects under another policy (a policy reload keeps the role state). */
export const withPolicy = (index: DecisionIndex, policy: CompiledPolicy): DecisionIndex => ({ ...index, policy });
