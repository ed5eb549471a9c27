import type { DecisionRequest } from '../model/decision.js';
import { decide } from './decide.js';
import { lookupSubject } from './lookup-subject.js';
import { AmbiguousSubject } from './subject-index.js';
import type { DecisionIndex } from './decision-index.js';
import type { SourceFreshness } from './source-freshness.js';

export interface RuleTrace {
  readonly route: string;
  readonly role: string;
  readonly rule: string;
  readonly effect: 'allow' | 'deny';
  readonly applies: boolean;
  /** Why it does not apply: the action is not covered or a condition failed. */
  readonly because?: string;
}

export interface Explanation {
  readonly principal: string | null;
  readonly roles: readonly string[];
  readonly routes: readonly string[];
  readonly rules: readonly RuleTrace[];
  readonly decision: ReturnType<typeof decide>;
}

/** The evaluation path of one request: routes matched, every rule of the subject's roles on them, the decision. */
export function explain(index: DecisionIndex, req: DecisionRequest, now: number, freshness: SourceFreshness): Explanation {
  const decision = decide(index, req, now, freshness);
  const found = lookupSubject(index, req.subject);
  const entry = found instanceof AmbiguousSubject ? undefined : (found ?? undefined);
  const routes = index.policy.matcher.match(req.route, req.method ?? 'GET', req.resource);
  const rules: RuleTrace[] = [];
  for (const route of routes) {
    const byRole = index.policy.rulesByRoute.get(route.name);
    for (const role of entry?.roles ?? []) {
      for (const rule of byRole?.get(role) ?? []) {
        const actionOk = !rule.actions || rule.actions.has(req.action ?? '');
        const condOk = actionOk && rule.when(req);
        const because = !actionOk ? `action "${req.action ?? ''}" not in [${[...(rule.actions ?? [])].join(', ')}]` : !condOk ? 'a condition does not hold' : undefined;
        rules.push({ route: route.name, role, rule: rule.name, effect: rule.effect, applies: condOk, ...(because ? { because } : {}) });
      }
    }
  }
  return { principal: entry?.principalId ?? null, roles: entry?.roles ?? [], routes: routes.map((r) => r.name), rules, decision };
}
