import type { Predicate } from './compile-conditions.js';
import type { RoleIds } from './role-ids.js';
import type { RouteMatcher } from './route-matcher.js';

export interface CompiledRule {
  readonly name: string;
  readonly effect: 'allow' | 'deny';
  readonly actions: ReadonlySet<string> | null;
  readonly when: Predicate;
}

/** A policy ready for decisions: immutable, keyed so a decision touches only applicable rules. */
export interface CompiledPolicy {
  /** `sha256:<hex>` of the policy text: the policy version. */
  readonly hash: string;
  readonly combining: 'union' | 'highest-privilege';
  readonly matcher: RouteMatcher;
  /** route name -> role -> that role's rules on the route, in file order (for tools; decide() uses route.rulesByRole). */
  readonly rulesByRoute: ReadonlyMap<string, ReadonlyMap<string, readonly CompiledRule[]>>;
  /** The role ids `route.rulesByRole` is indexed by (from the configured roles). */
  readonly roleIds: RoleIds;
}
