import type { AuthorizedBy, Decision, DecisionReason, DecisionRequest } from '../model/decision.js';
import { isCanonicalPath } from './canonical-path.js';
import type { CompiledRoute } from './compiled-route.js';
import type { CompiledRule } from './compiled-policy.js';
import type { DecisionIndex, SubjectEntry } from './decision-index.js';
import { lookupSubject } from './lookup-subject.js';
import type { SourceFreshness } from './source-freshness.js';
import { AmbiguousSubject } from './subject-index.js';

const NO_ROLES: readonly string[] = Object.freeze([]);

/**
 * Decides one request against one index at time `now` (ms). Pure: no I/O, no clock. Order:
 * path, subject binding, status, route match, freshness, rules. Anything not explicitly allowed
 * is denied; a deny rule that applies overrides allows. This is the hot path: one result object
 * per call, no spreads, no closures.
 */
export function decide(index: DecisionIndex, req: DecisionRequest, now: number, freshness: SourceFreshness): Decision {
  if (!isCanonicalPath(req.route)) return denied(index, 'invalid_request', null, 0);
  const found = lookupSubject(index, req.subject);
  if (found === null) return denied(index, 'unknown_subject', null, 0);
  if (found instanceof AmbiguousSubject) return denied(index, 'ambiguous_subject', null, 0);
  const entry = found;
  if (entry.status !== 'active') return denied(index, 'inactive_subject', entry, 0);

  const routes = index.policy.matcher.match(req.route, req.method ?? 'GET', req.resource);
  if (routes.length === 0) return denied(index, 'no_matching_rule', entry, 0);

  // Freshness of the sources behind the subject's roles: age of the oldest, -1 if any is too old.
  let worst = 0;
  let stale = false;
  for (const s of entry.sources) {
    const f = freshness.get(s);
    if (f === undefined || f.lastSuccessAt === null) {
      stale = true;
      continue;
    }
    const age = now - f.lastSuccessAt;
    if (age > worst) worst = age;
    if (age > f.maxStalenessMs) stale = true;
  }
  const staleness = Math.floor(worst / 1000);
  if (stale && !allFailOpen(routes)) return denied(index, 'stale_snapshot', entry, staleness);

  const match = index.policy.combining === 'union' ? union(routes, entry, req) : highestPrivilege(routes, entry, req);
  if (match === null) return denied(index, 'no_matching_rule', entry, staleness);
  const authorizedBy: AuthorizedBy = { role: match.role, policy: match.route.name, rule: match.rule.name };
  const allow = match.rule.effect === 'allow';
  return {
    decision: allow ? 'allow' : 'deny',
    reason: allow ? 'allowed_by_role' : 'denied_by_rule',
    principal: entry.principalId,
    roles: entry.roles,
    authorizedBy,
    roleStateVersion: index.roleStateVersion,
    policyVersion: index.policy.hash,
    staleness_s: staleness,
  };
}

function denied(index: DecisionIndex, reason: DecisionReason, entry: SubjectEntry | null, staleness: number): Decision {
  return entry
    ? { decision: 'deny', reason, principal: entry.principalId, roles: entry.roles, roleStateVersion: index.roleStateVersion, policyVersion: index.policy.hash, staleness_s: staleness }
    : { decision: 'deny', reason, roles: NO_ROLES, roleStateVersion: index.roleStateVersion, policyVersion: index.policy.hash };
}

function allFailOpen(routes: readonly CompiledRoute[]): boolean {
  for (const r of routes) if (!r.failOpen) return false;
  return true;
}

/** The rule that decided: a deny that applies, else the first allow that applies. */
interface Match {
  readonly role: string;
  readonly route: CompiledRoute;
  readonly rule: CompiledRule;
}

function applies(rule: CompiledRule, req: DecisionRequest): boolean {
  if (rule.actions !== null && !rule.actions.has(req.action ?? '')) return false;
  return rule.when(req);
}

/** Any role's allow; a matching deny of any role overrides. Roles are tried highest rank first. */
function union(routes: readonly CompiledRoute[], entry: SubjectEntry, req: DecisionRequest): Match | null {
  let allowRole: string | null = null;
  let allowRoute: CompiledRoute | null = null;
  let allowRule: CompiledRule | null = null;
  const ids = entry.roleIds;
  for (const route of routes) {
    const byRole = route.rulesByRole;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const rules = id === undefined ? undefined : byRole[id];
      if (rules === undefined) continue;
      for (const rule of rules) {
        if (!applies(rule, req)) continue;
        const role = entry.roles[i]!;
        if (rule.effect === 'deny') return { role, route, rule };
        if (allowRule === null) {
          allowRole = role;
          allowRoute = route;
          allowRule = rule;
        }
      }
    }
  }
  return allowRule === null ? null : { role: allowRole!, route: allowRoute!, rule: allowRule };
}

/** Only the subject's highest-ranked role that has any rule for a matched route counts. */
function highestPrivilege(routes: readonly CompiledRoute[], entry: SubjectEntry, req: DecisionRequest): Match | null {
  for (let i = 0; i < entry.roles.length; i++) {
    const role = entry.roles[i]!;
    const id = entry.roleIds[i];
    let hasRule = false;
    let allow: Match | null = null;
    for (const route of routes) {
      const rules = id === undefined ? undefined : route.rulesByRole[id];
      if (rules === undefined) continue;
      hasRule = true;
      for (const rule of rules) {
        if (!applies(rule, req)) continue;
        if (rule.effect === 'deny') return { role, route, rule };
        allow ??= { role, route, rule };
      }
    }
    if (hasRule) return allow;
  }
  return null;
}
