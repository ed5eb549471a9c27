import type { DecisionRequest } from '../model/decision.js';
import type { GrantPath } from '../model/grant-path.js';
import type { Principal } from '../model/principal.js';
import { decide } from '../policy/decide.js';
import { buildDecisionIndex } from '../policy/decision-index.js';
import type { HistoryQueries } from '../store/history-queries.js';
import type { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { freshAt } from './fresh-at.js';
import type { PointInTime } from './point-in-time.js';
import { holdingsAt, type Holding, type RoleSet } from './role-holdings.js';

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

/** What decide() made of a holder of one role set with one status: the allowing role (and its place in the set) and rule, or null. */
type Outcome = { readonly slot: number; readonly role: string; readonly route: string; readonly rule: string } | null;

/**
 * Every principal the daemon would have allowed to make `request` at a point in time, decided
 * by the same decide() the socket uses with the role state and policy of that moment.
 *
 * decide() only ever looks at a subject's roles that have a rule on a matched route (union
 * skips the others; highest-privilege passes over them), so only those roles are read, each
 * from the covering role index, and only holders of a role with an allow rule can be allowed.
 * Deny rules, ranks, status and conditions all count. Sources count as fresh: staleness is
 * about the daemon's feed at that moment, not about who held a role.
 *
 * Of a subject, decide() reads nothing but its status, those roles and the sources behind them
 * (all fresh here); the request, time and policy are the same for every subject. So holders of
 * the same roles with the same status get the same answer: decide() runs once per such class,
 * on its first holder, and only the grant path differs. 100k holders thus cost a few decisions
 * and no index of 100k entries. (Should decide() ever read more of a subject, that belongs in
 * the class; the property test compares with deciding every principal one by one.)
 */
export function whoCould(store: SqliteRoleStore, at: PointInTime, request: RequestShape, bulkSummaries = BULK_SUMMARIES): WhoCouldResult {
  const { policy, version } = at;
  const relevant = new Set<string>();
  const allowing = new Set<string>();
  for (const route of policy.matcher.match(request.route, request.method ?? 'GET', request.resource)) {
    for (const [role, rules] of policy.rulesByRoute.get(route.name) ?? []) {
      relevant.add(role);
      if (rules.some((r) => r.effect === 'allow')) allowing.add(role);
    }
  }
  const holdings = holdingsAt(store.history, relevant, allowing, version);
  const outcomes = new Map<RoleSet, Map<string, Outcome>>();
  const outcomeOf = (id: string, status: string, h: Holding): Outcome => {
    let byStatus = outcomes.get(h.set);
    if (!byStatus) outcomes.set(h.set, (byStatus = new Map()));
    let o = byStatus.get(status);
    if (o === undefined) byStatus.set(status, (o = decideOne(store.history, at, request, id, status, h)));
    return o;
  };

  const allowed: AllowedPrincipal[] = [];
  const consider = (id: string, status: string, displayName: string | null): void => {
    const h = holdings.get(id);
    if (!h?.set.allowing) return;
    const o = outcomeOf(id, status, h);
    if (o) allowed.push({ principalId: id, displayName: displayName ?? '', role: o.role, route: o.route, rule: o.rule, path: store.history.pathOf(h.paths[o.slot]!) });
  };
  const candidates: string[] = [];
  for (const [id, h] of holdings) if (h.set.allowing) candidates.push(id);
  if (candidates.length > bulkSummaries) {
    for (const [id, status, displayName] of store.compliance.summaryRowsAt(version)) consider(id, status, displayName);
  } else {
    for (const id of candidates) {
      const summary = store.compliance.summaryAt(id, version);
      if (summary) consider(id, summary.status, summary.displayName);
    }
  }
  allowed.sort((a, b) => (a.principalId < b.principalId ? -1 : 1));
  return { at: at.time, roleStateVersion: version, policyVersion: policy.hash, principals: allowed };
}

/** decide() for one principal holding exactly `h`'s roles, with an index of that principal alone. */
function decideOne(history: HistoryQueries, at: PointInTime, request: RequestShape, id: string, status: string, h: Holding): Outcome {
  const held = new Map<string, GrantPath>(h.set.roles.map((role, i) => [role, history.pathOf(h.paths[i]!)]));
  // decide() needs status and roles only; identifiers are not used when binding by principal id.
  const principal = { id, status, identifiers: [] } as unknown as Principal;
  const index = buildDecisionIndex({ principals: new Map([[id, principal]]), grants: new Map([[id, held]]), principalOfAccount: new Map(), conflicts: [] }, at.version, at.policy, at.settings.ranks);
  const d = decide(index, { ...request, subject: { id, kind: 'principal' } }, at.time, freshAt(at.time, [held]));
  if (d.decision !== 'allow' || !d.authorizedBy) return null;
  const { role, policy: route, rule } = d.authorizedBy;
  return { slot: h.set.roles.indexOf(role), role, route, rule };
}
