import { compileConditions } from './compile-conditions.js';
import type { CompiledPolicy, CompiledRule } from './compiled-policy.js';
import type { PolicyDocument } from './policy-schema.js';
import type { CompiledRoute } from './compiled-route.js';
import { roleIdsOf } from './role-ids.js';
import { RouteMatcher } from './route-matcher.js';

export interface PolicyProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Compiles a validated policy document. Cross-references are checked here: rules naming routes
 * that do not exist or roles that are not configured are problems (the caller refuses the file).
 */
export function compilePolicy(doc: PolicyDocument, hash: string, knownRoles: ReadonlySet<string>): { policy: CompiledPolicy; problems: PolicyProblem[] } {
  const problems: PolicyProblem[] = [];
  const routeNames = new Set<string>();
  doc.routes.forEach((r, i) => {
    if (routeNames.has(r.name)) problems.push({ path: `routes[${i}].name`, message: `duplicate route "${r.name}"` });
    routeNames.add(r.name);
  });
  const ruleNames = new Set<string>();
  const rulesByRoute = new Map<string, Map<string, CompiledRule[]>>();
  doc.rules.forEach((rule, i) => {
    if (ruleNames.has(rule.name)) problems.push({ path: `rules[${i}].name`, message: `duplicate rule "${rule.name}"` });
    ruleNames.add(rule.name);
    rule.routes.forEach((route, j) => {
      if (!routeNames.has(route)) problems.push({ path: `rules[${i}].routes[${j}]`, message: `names route "${route}", which is not defined` });
    });
    rule.roles.forEach((role, j) => {
      if (!knownRoles.has(role)) problems.push({ path: `rules[${i}].roles[${j}]`, message: `names role "${role}", which is not configured` });
    });
    const compiled: CompiledRule = {
      name: rule.name,
      effect: rule.effect,
      actions: rule.actions ? new Set(rule.actions) : null,
      when: compileConditions(rule.when),
    };
    for (const route of rule.routes) {
      let byRole = rulesByRoute.get(route);
      if (!byRole) rulesByRoute.set(route, (byRole = new Map()));
      for (const role of rule.roles) {
        const list = byRole.get(role);
        if (list) list.push(compiled);
        else byRole.set(role, [compiled]);
      }
    }
  });
  const roleIds = roleIdsOf(knownRoles);
  const routes = doc.routes.map((spec) => {
    const byRole = rulesByRoute.get(spec.name);
    const rulesByRole: (readonly CompiledRule[] | undefined)[] = [];
    for (const [role, rules] of byRole ?? []) {
      const id = roleIds.get(role);
      if (id !== undefined) rulesByRole[id] = rules;
    }
    const route: CompiledRoute = {
      name: spec.name,
      methods: spec.methods ? new Set(spec.methods) : null,
      resource: Object.entries(spec.resource ?? {}).map(([k, v]) => [k, new Set(typeof v === 'string' ? [v] : v)] as const),
      failOpen: spec.failOpen,
      rulesByRole,
    };
    return [spec, route] as const;
  });
  return { policy: { hash, combining: doc.combining, matcher: new RouteMatcher(routes), rulesByRoute, roleIds }, problems };
}
