import type { DecisionRequest } from '../model/decision.js';
import type { GrantPath } from '../model/grant-path.js';
import type { Principal } from '../model/principal.js';
import { decide } from '../policy/decide.js';
import { buildDecisionIndex } from '../policy/decision-index.js';
import type { PrincipalSummary } from '../store/compliance-queries.js';
import type { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { freshAt } from './fresh-at.js';
import type { PointInTime } from './point-in-time.js';

export type RequestShape = Omit<DecisionRequest, 'subject'>;

export interface AllowedPrincipal {
  readonly principalId: string;
  readonly displayName: string;
  readonly role: string;
  /** The policy route and rule that allowed it. */
  readonly route: string;
  readonly rule: string;
  readonly path: GrantPath;
}

export interface WhoCouldResult {
  readonly at: number;
  readonly roleStateVersion: number;
  readonly policyVersion: string;
  readonly principals: readonly AllowedPrincipal[];
}

/** Past this many candidates one pass over all principals beats one index seek each. */
const BULK_SUMMARIES = 2_000;

/**
 * Every principal the daemon would have allowed to make `request` at a point in time, decided
 * by the same decide() the socket uses with the role state and policy of that moment.
 *
 * decide() only ever looks at a subject's roles that have a rule on a matched route (union
 * skips the others; highest-privilege passes over them), so only those roles are read, each
 * from the covering role index, and only holders of a role with an allow rule can be allowed.
 * Deny rules, ranks, status and conditions all count. Sources count as fresh: staleness is
 * about the daemon's feed at that moment, not about who held a role.
 */
export function whoCould(store: SqliteRoleStore, at: PointInTime, ranks: ReadonlyMap<string, number>, request: RequestShape, bulkSummaries = BULK_SUMMARIES): WhoCouldResult {
  const { policy, version } = at;
  const relevant = new Set<string>();
  const allowing = new Set<string>();
  for (const route of policy.matcher.match(request.route, request.method ?? 'GET', request.resource)) {
    for (const [role, rules] of policy.rulesByRoute.get(route.name) ?? []) {
      relevant.add(role);
      if (rules.some((r) => r.effect === 'allow')) allowing.add(role);
    }
  }
  const grants = new Map<string, Map<string, GrantPath>>();
  const candidates = new Set<string>();
  for (const role of relevant) {
    for (const m of store.history.membersAt(role, version)) {
      let g = grants.get(m.principalId);
      if (!g) grants.set(m.principalId, (g = new Map()));
      g.set(role, m.path);
      if (allowing.has(role)) candidates.add(m.principalId);
    }
  }
  const bulk = candidates.size > bulkSummaries ? store.compliance.summariesAt(version) : null;
  const summaryOf = (id: string): PrincipalSummary | null => (bulk ? (bulk.get(id) ?? null) : store.compliance.summaryAt(id, version));

  const principals = new Map<string, Principal>();
  const names = new Map<string, string>();
  for (const id of [...candidates].sort()) {
    const summary = summaryOf(id);
    if (!summary) continue;
    names.set(id, summary.displayName);
    // decide() needs status and roles only; identifiers are not used when binding by principal id.
    principals.set(id, { id, status: summary.status, identifiers: [] } as unknown as Principal);
  }
  const index = buildDecisionIndex({ principals, grants, principalOfAccount: new Map(), conflicts: [] }, version, policy, ranks);
  const freshness = freshAt(at.time, grants.values());
  const allowed: AllowedPrincipal[] = [];
  for (const id of principals.keys()) {
    const d = decide(index, { ...request, subject: { id, kind: 'principal' } }, at.time, freshness);
    if (d.decision !== 'allow' || !d.authorizedBy) continue;
    const { role, policy: route, rule } = d.authorizedBy;
    allowed.push({ principalId: id, displayName: names.get(id) ?? '', role, route, rule, path: grants.get(id)!.get(role)! });
  }
  return { at: at.time, roleStateVersion: version, policyVersion: policy.hash, principals: allowed };
}
