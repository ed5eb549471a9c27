import type { DecisionRequest } from '../model/decision.js';
import type { GrantPath } from '../model/grant-path.js';
import type { Principal } from '../model/principal.js';
import { decide } from '../policy/decide.js';
import { buildDecisionIndex } from '../policy/decision-index.js';
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

/**
 * Every principal the daemon would have allowed to make `request` at a point in time. Only
 * holders of a role with an allow rule on a matching route can be allowed (under either
 * combining mode), so those are the candidates; each is then decided by the same decide() the
 * socket uses, with the role state and policy of that moment (deny rules, ranks, status and
 * conditions all count; sources count as fresh, since staleness is about the daemon's feed,
 * not about who held a role).
 */
export function whoCould(store: SqliteRoleStore, at: PointInTime, ranks: ReadonlyMap<string, number>, request: RequestShape): WhoCouldResult {
  const { policy, version } = at;
  const candidateRoles = new Set<string>();
  for (const route of policy.matcher.match(request.route, request.method ?? 'GET', request.resource)) {
    for (const [role, rules] of policy.rulesByRoute.get(route.name) ?? []) if (rules.some((r) => r.effect === 'allow')) candidateRoles.add(role);
  }
  const ids = new Set<string>();
  for (const role of candidateRoles) for (const m of store.history.membersAt(role, version)) ids.add(m.principalId);

  const principals = new Map<string, Principal>();
  const grants = new Map<string, Map<string, GrantPath>>();
  const names = new Map<string, string>();
  for (const id of [...ids].sort()) {
    const summary = store.compliance.summaryAt(id, version);
    if (!summary) continue;
    names.set(id, summary.displayName);
    // decide() needs status and roles only; identifiers are not used when binding by principal id.
    principals.set(id, { id, status: summary.status, identifiers: [] } as unknown as Principal);
    grants.set(id, new Map(store.history.rolesAt(id, version).map((r) => [r.role, r.path])));
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
