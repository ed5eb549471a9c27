import type { AuthorizedBy, Decision, DecisionReason, DecisionRequest } from '../model/decision.js';
import type { CompiledRoute } from './compiled-route.js';
import type { CompiledRule } from './compiled-policy.js';
import type { DecisionIndex, SubjectEntry } from './decision-index.js';
import type { SourceFreshness } from './source-freshness.js';
import { isCanonicalPath } from './canonical-path.js';
import { lookupSubject } from './lookup-subject.js';

const NO_ROLES: readonly string[] = Object.freeze([]);

/**
 * Decides one request against one index at time `now` (ms). Pure: no I/O, no clock. Order:
 * subject binding, status, route match, freshness, rules. Anything not explicitly allowed is
 * denied; a deny rule that applies overrides allows.
 */
export function decide(index: DecisionIndex, req: DecisionRequest, now: number, freshness: SourceFreshness): Decision {
  const base = { roleStateVersion: index.roleStateVersion, policyVersion: index.policy.hash };
  if (!isCanonicalPath(req.route)) return { ...base, decision: 'deny', reason: 'invalid_request', roles: NO_ROLES };
  const found = lookupSubject(index, req.subject);
  if (found === null) return { ...base, decision: 'deny', reason: 'unknown_subject', roles: NO_ROLES };
  if ('ambiguous' in found) return { ...base, decision: 'deny', reason: 'ambiguous_subject', roles: NO_ROLES };
  const entry = index.principals.get(found.principalId);
  if (!entry) return { ...base, decision: 'deny', reason: 'unknown_subject', roles: NO_ROLES };
  const subject = { ...base, principal: entry.principalId, roles: entry.roles };
  if (entry.status !== 'active') return { ...subject, decision: 'deny', reason: 'inactive_subject' };

  const routes = index.policy.matcher.match(req.route, req.method ?? 'GET', req.resource);
  if (routes.length === 0) return { ...subject, decision: 'deny', reason: 'no_matching_rule' };

  const staleness = stalenessOf(entry, now, freshness);
  if (staleness.stale && !routes.every((r) => r.failOpen)) {
    return { ...subject, decision: 'deny', reason: 'stale_snapshot', staleness_s: staleness.seconds };
  }
  const outcome = index.policy.combining === 'union' ? union(index, routes, entry, req) : highestPrivilege(index, routes, entry, req);
  const result: Decision = { ...subject, decision: outcome.reason === 'allowed_by_role' ? 'allow' : 'deny', reason: outcome.reason, staleness_s: staleness.seconds };
  return outcome.by ? { ...result, authorizedBy: outcome.by } : result;
}

interface Outcome {
  readonly reason: DecisionReason;
  readonly by?: AuthorizedBy;
}

const NO_MATCH: Outcome = { reason: 'no_matching_rule' };

function applies(rule: CompiledRule, req: DecisionRequest): boolean {
  if (rule.actions && !rule.actions.has(req.action ?? '')) return false;
  return rule.when(req);
}

/** Any role's allow; a matching deny of any role overrides. */
function union(index: DecisionIndex, routes: readonly CompiledRoute[], entry: SubjectEntry, req: DecisionRequest): Outcome {
  let allow: Outcome | null = null;
  for (const route of routes) {
    const byRole = index.policy.rulesByRoute.get(route.name);
    if (!byRole) continue;
    for (const role of entry.roles) {
      for (const rule of byRole.get(role) ?? NO_RULES) {
        if (!applies(rule, req)) continue;
        const by = { role, policy: route.name, rule: rule.name };
        if (rule.effect === 'deny') return { reason: 'denied_by_rule', by };
        allow ??= { reason: 'allowed_by_role', by };
      }
    }
  }
  return allow ?? NO_MATCH;
}

/** Only the subject's highest-ranked role that has any rule for a matched route counts. */
function highestPrivilege(index: DecisionIndex, routes: readonly CompiledRoute[], entry: SubjectEntry, req: DecisionRequest): Outcome {
  for (const role of entry.roles) {
    let hasRule = false;
    let allow: Outcome | null = null;
    for (const route of routes) {
      const rules = index.policy.rulesByRoute.get(route.name)?.get(role);
      if (!rules) continue;
      hasRule = true;
      for (const rule of rules) {
        if (!applies(rule, req)) continue;
        const by = { role, policy: route.name, rule: rule.name };
        if (rule.effect === 'deny') return { reason: 'denied_by_rule', by };
        allow ??= { reason: 'allowed_by_role', by };
      }
    }
    if (hasRule) return allow ?? NO_MATCH;
  }
  return NO_MATCH;
}

const NO_RULES: readonly CompiledRule[] = Object.freeze([]);

function stalenessOf(entry: SubjectEntry, now: number, freshness: SourceFreshness): { stale: boolean; seconds: number } {
  let stale = false;
  let worst = 0;
  for (const s of entry.sources) {
    const f = freshness.get(s);
    if (!f || f.lastSuccessAt === null) {
      stale = true;
      continue;
    }
    const age = now - f.lastSuccessAt;
    if (age > worst) worst = age;
    if (age > f.maxStalenessMs) stale = true;
  }
  return { stale, seconds: Math.floor(worst / 1000) };
}
