import type { AttributeValues } from '../model/attribute-values.js';
import type { AttributeCondition } from './resolve-rules.js';

/** Whether any value of the named attribute (name compared case-insensitively) satisfies the condition. */
export function attributeMatches(attrs: AttributeValues, cond: AttributeCondition): boolean {
  const wanted = cond.name.toLowerCase();
  for (const [name, raw] of Object.entries(attrs)) {
    if (name.toLowerCase() !== wanted) continue;
    const values = typeof raw === 'string' ? [raw] : raw;
    for (const v of values) {
      if (cond.equals !== undefined && v === cond.equals) return true;
      if (cond.in !== undefined && cond.in.includes(v)) return true;
    }
  }
  return false;
}

export function describeCondition(cond: AttributeCondition): string {
  return cond.equals !== undefined ? `${cond.name}=${cond.equals}` : `${cond.name} in [${(cond.in ?? []).join(', ')}]`;
}
