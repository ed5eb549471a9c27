import { z } from 'zod';

/**
 * The policy file: named routes (what a request is), rules bound to roles and routes (what a
 * role may do there), and how rules of several roles combine. Validated once at load.
 */
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'expected a name of letters, digits, "_", ".", ":" or "-"');
const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const routeSchema = z
  .object({
    name,
    /** Exactly one of path (exact), pathPrefix, pathGlob (`*` = one segment part, `**` = any). */
    path: z.string().startsWith('/').optional(),
    pathPrefix: z.string().startsWith('/').optional(),
    pathGlob: z.string().startsWith('/').optional(),
    methods: z.array(z.string().min(1).transform((m) => m.toUpperCase())).optional(),
    /** Resource attributes that must match (a value or a list of accepted values). */
    resource: z.record(z.string(), stringOrList).optional(),
    /** Serve from a stale snapshot instead of failing closed (default false). */
    failOpen: z.boolean().default(false),
  })
  .strict()
  .refine((r) => [r.path, r.pathPrefix, r.pathGlob].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of path, pathPrefix or pathGlob',
  });

const conditionSchema = z
  .object({
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    in: z.array(z.union([z.string(), z.number()])).min(1).optional(),
    contains: z.string().optional(),
    containsAny: z.array(z.string()).min(1).optional(),
    notContains: z.string().optional(),
    exists: z.boolean().optional(),
  })
  .strict()
  .refine((c) => Object.values(c).filter((v) => v !== undefined).length === 1, { message: 'give exactly one operator (equals, in, contains, containsAny, notContains, exists)' });

export const ruleSchema = z
  .object({
    name,
    effect: z.enum(['allow', 'deny']),
    roles: z.array(z.string().min(1)).min(1),
    routes: z.array(name).min(1),
    /** Actions the rule covers; all when absent. */
    actions: z.array(z.string().min(1)).optional(),
    /** Conditions on `context.*`, `resource.*`, `method`, `action` — all must hold. */
    when: z.record(z.string().regex(/^(context|resource)\.[A-Za-z0-9_.-]+$|^(method|action)$/, 'expected context.<name>, resource.<name>, method or action'), conditionSchema).optional(),
    description: z.string().optional(),
  })
  .strict();

export const policySchema = z
  .object({
    /** `union`: any role's allow, deny overrides. `highest-privilege`: only the subject's highest-ranked role with a rule for the route counts. */
    combining: z.enum(['union', 'highest-privilege']).default('union'),
    routes: z.array(routeSchema).default([]),
    rules: z.array(ruleSchema).default([]),
  })
  .strict();

export type PolicyDocument = z.infer<typeof policySchema>;
export type RouteSpec = z.infer<typeof routeSchema>;
export type RuleSpec = z.infer<typeof ruleSchema>;
export type ConditionSpec = z.infer<typeof conditionSchema>;
