import type { GrantPath } from '../../src/model/grant-path.js';
import type { Identifier } from '../../src/model/identifier.js';
import type { Principal } from '../../src/model/principal.js';
import type { PrincipalStatus } from '../../src/model/principal-status.js';
import { compilePolicy } from '../../src/policy/compile-policy.js';
import { buildDecisionIndex, type DecisionIndex } from '../../src/policy/decision-index.js';
import { policySchema } from '../../src/policy/policy-schema.js';
import type { ResolvedState } from '../../src/resolve/resolved-state.js';

export interface TestPrincipal {
  readonly id: string;
  readonly identifiers: Identifier[];
  readonly roles: Record<string, string>; // role -> granting source ('config' = static)
  readonly status?: PrincipalStatus;
}

/** A resolved state with the given principals and role grants, for decision tests. */
export function stateOf(list: readonly TestPrincipal[]): ResolvedState {
  const principals = new Map<string, Principal>();
  const grants = new Map<string, Map<string, GrantPath>>();
  for (const t of list) {
    principals.set(t.id, { id: t.id, kind: 'human', status: t.status ?? 'active', displayName: t.id, accounts: [], identifiers: t.identifiers, attributes: {} });
    const g = new Map<string, GrantPath>();
    for (const [role, source] of Object.entries(t.roles)) {
      g.set(role, source === 'config' ? { via: 'static', source: 'config', identifier: t.id } : { via: 'group', source, groups: [role] });
    }
    if (g.size) grants.set(t.id, g);
  }
  return { principals, grants, principalOfAccount: new Map(), conflicts: [] };
}

export function indexOf(state: ResolvedState, policyDoc: unknown, ranks: Record<string, number>): DecisionIndex {
  const doc = policySchema.parse(policyDoc);
  const { policy, problems } = compilePolicy(doc, 'sha256:test', new Set(Object.keys(ranks)));
  if (problems.length) throw new Error(JSON.stringify(problems));
  return buildDecisionIndex(state, 7, policy, new Map(Object.entries(ranks)));
}
