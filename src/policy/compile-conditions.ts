import type { DecisionRequest } from '../model/decision.js';
import type { ConditionSpec } from './policy-schema.js';

export type Predicate = (req: DecisionRequest) => boolean;

const ALWAYS: Predicate = () => true;

/** Compiles a rule's `when` map into one predicate; every condition must hold. */
export function compileConditions(when: Readonly<Record<string, ConditionSpec>> | undefined): Predicate {
  if (!when) return ALWAYS;
  const preds = Object.entries(when).map(([field, cond]) => compileOne(accessor(field), cond));
  if (preds.length === 1) return preds[0]!;
  return (req) => preds.every((p) => p(req));
}

function accessor(field: string): (req: DecisionRequest) => unknown {
  if (field === 'method') return (r) => r.method;
  if (field === 'action') return (r) => r.action;
  const [root, ...rest] = field.split('.');
  return (r) => {
    let v: unknown = root === 'context' ? r.context : r.resource;
    for (const k of rest) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
      v = (v as Record<string, unknown>)[k];
    }
    return v;
  };
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

function compileOne(get: (r: DecisionRequest) => unknown, c: ConditionSpec): Predicate {
  if (c.equals !== undefined) {
    const want = c.equals;
    return (r) => get(r) === want;
  }
  if (c.in !== undefined) {
    const set = new Set<unknown>(c.in);
    return (r) => set.has(get(r));
  }
  if (c.contains !== undefined) {
    const want = c.contains;
    return (r) => asList(get(r)).includes(want);
  }
  if (c.containsAny !== undefined) {
    const set = new Set<unknown>(c.containsAny);
    return (r) => asList(get(r)).some((v) => set.has(v));
  }
  if (c.notContains !== undefined) {
    const want = c.notContains;
    return (r) => !asList(get(r)).includes(want);
  }
  const wantExists = c.exists === true;
  return (r) => (get(r) !== undefined) === wantExists;
}
