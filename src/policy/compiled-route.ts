import type { CompiledRule } from './compiled-policy.js';

/** A route compiled for matching, with its rules by role id (see role-ids.ts). */
export interface CompiledRoute {
  readonly name: string;
  readonly methods: ReadonlySet<string> | null;
  /** resource attribute -> accepted values. */
  readonly resource: readonly (readonly [string, ReadonlySet<string>])[];
  readonly failOpen: boolean;
  /** Role id -> that role's rules on this route, in file order. */
  readonly rulesByRole: readonly (readonly CompiledRule[] | undefined)[];
}
