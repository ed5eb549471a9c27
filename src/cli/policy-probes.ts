import type { DecisionRequest } from '../model/decision.js';
import type { PolicyDocument, RouteSpec } from '../policy/policy-schema.js';

/**
 * Representative requests for `policy diff`: for every route, a path it matches, its first
 * method and resource values, each action its rules name (or none), and an empty context plus
 * one context per value its rules' conditions mention. An approximation: conditions on other
 * combinations of values are not explored.
 */
export function policyProbes(docs: readonly PolicyDocument[]): { route: string; action: string | undefined; request: Omit<DecisionRequest, 'subject'> }[] {
  const routes = new Map<string, RouteSpec>();
  for (const d of docs) for (const r of d.routes) if (!routes.has(r.name)) routes.set(r.name, r);
  const out: { route: string; action: string | undefined; request: Omit<DecisionRequest, 'subject'> }[] = [];
  for (const [name, r] of routes) {
    const path = r.path ?? (r.pathPrefix !== undefined ? r.pathPrefix + 'x' : r.pathGlob!.replace(/\*\*?/g, 'x'));
    const method = r.methods?.[0] ?? 'GET';
    const resource = Object.fromEntries(Object.entries(r.resource ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : v[0]!]));
    const rules = docs.flatMap((d) => d.rules.filter((x) => x.routes.includes(name)));
    const actions = [...new Set(rules.flatMap((x) => x.actions ?? []))];
    const contexts: Record<string, unknown>[] = [{}];
    for (const rule of rules) {
      for (const [field, cond] of Object.entries(rule.when ?? {})) {
        if (!field.startsWith('context.')) continue;
        const key = field.slice('context.'.length);
        const v = cond.contains ?? cond.equals ?? cond.in?.[0] ?? cond.containsAny?.[0] ?? cond.notContains;
        if (v !== undefined) contexts.push({ [key]: cond.contains !== undefined || cond.containsAny !== undefined || cond.notContains !== undefined ? [v] : v });
      }
    }
    for (const action of actions.length ? actions : [undefined]) {
      for (const context of contexts) {
        out.push({
          route: name,
          action,
          request: { route: path, method, ...(action ? { action } : {}), ...(Object.keys(resource).length ? { resource } : {}), ...(Object.keys(context).length ? { context } : {}) },
        });
      }
    }
  }
  return out;
}
