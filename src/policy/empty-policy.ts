import type { CompiledPolicy } from './compiled-policy.js';
import { policyHash } from './policy-hash.js';
import { RouteMatcher } from './route-matcher.js';

/** No policy configured: nothing matches, so everything is denied (default deny). */
export const EMPTY_POLICY: CompiledPolicy = { hash: policyHash(''), combining: 'union', matcher: new RouteMatcher([]), rulesByRoute: new Map(), roleIds: new Map() };
