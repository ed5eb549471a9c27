import { badRequest } from './scim-error.js';
import type { AttrPath, CompareOp, CompValue, Filter } from './filter-ast.js';
import { getCi, isObject, type Json, type JsonObject } from './json.js';
import type { FilterScope } from './resource-kind.js';
import { findAttr, type AttrDef } from './scim-schemas.js';

/**
 * Rejects filters that can never be evaluated (RFC 7644 §3.4.2.2): ordering on a boolean or binary
 * attribute, a value filter on an attribute that has no sub-attributes.
 */
export function checkFilter(filter: Filter, scope: FilterScope): void {
  switch (filter.kind) {
    case 'and':
    case 'or':
      checkFilter(filter.left, scope);
      checkFilter(filter.right, scope);
      return;
    case 'not':
      checkFilter(filter.filter, scope);
      return;
    case 'present':
      return;
    case 'valuePath': {
      const def = scope.defOf(filter.path);
      if (def && def.type !== 'complex') throw badRequest('invalidFilter', `"${filter.path.attr}" has no sub-attributes to filter on`);
      checkFilter(filter.filter, scope.element(filter.path));
      return;
    }
    case 'compare': {
      const def = valueDef(scope.defOf(filter.path));
      if (def && (def.type === 'boolean' || def.type === 'binary') && filter.op !== 'eq' && filter.op !== 'ne') {
        throw badRequest('invalidFilter', `operator "${filter.op}" cannot compare the ${def.type} attribute "${filter.path.attr}"`);
      }
      return;
    }
  }
}

/** Whether `obj` matches `filter`. Attribute names are matched case-insensitively. */
export function matches(filter: Filter, obj: JsonObject, scope: FilterScope): boolean {
  switch (filter.kind) {
    case 'and':
      return matches(filter.left, obj, scope) && matches(filter.right, obj, scope);
    case 'or':
      return matches(filter.left, obj, scope) || matches(filter.right, obj, scope);
    case 'not':
      return !matches(filter.filter, obj, scope);
    case 'present':
      return scope.values(obj, filter.path).values.some(isPresent);
    case 'valuePath': {
      const inner = scope.element(filter.path);
      return scope.values(obj, filter.path).values.some((el) => isObject(el) && matches(filter.filter, el, inner));
    }
    case 'compare':
      return compareAttr(scope, obj, filter.path, filter.op, filter.value);
  }
}

const isPresent = (v: Json): boolean =>
  v !== null && v !== '' && !(Array.isArray(v) && v.length === 0) && !(isObject(v) && Object.keys(v).length === 0);

/** A complex attribute compared without a sub-attribute compares its `value` (e.g. `members eq "id"`). */
const valueDef = (def: AttrDef | undefined): AttrDef | undefined => (def?.type === 'complex' ? findAttr(def.subAttributes, 'value') : def);

function compareAttr(scope: FilterScope, obj: JsonObject, path: AttrPath, op: CompareOp, expected: CompValue): boolean {
  const found = scope.values(obj, path);
  const def = valueDef(found.def);
  const values = found.values.map((v) => (isObject(v) ? getCi(v, 'value') ?? null : v)).filter((v) => v !== null);
  if (expected === null) {
    if (op === 'eq') return values.length === 0;
    if (op === 'ne') return values.length > 0;
    return false;
  }
  if (op === 'ne') return !values.some((v) => compareOne(v, 'eq', expected, def));
  return values.some((v) => compareOne(v, op, expected, def));
}

function compareOne(actual: Json, op: CompareOp, expected: Exclude<CompValue, null>, def: AttrDef | undefined): boolean {
  const type = def?.type ?? (typeof actual === 'boolean' ? 'boolean' : typeof actual === 'number' ? 'decimal' : 'string');
  if (type === 'boolean') {
    const a = toBool(actual);
    const e = toBool(expected);
    return a !== undefined && e !== undefined && op === 'eq' && a === e;
  }
  if (type === 'decimal' || type === 'integer') {
    const a = typeof actual === 'number' ? actual : Number(actual);
    const e = typeof expected === 'number' ? expected : Number(expected);
    if (Number.isNaN(a) || Number.isNaN(e)) return false;
    return order(op, a, e) ?? stringOp(op, String(a), String(e));
  }
  if (typeof actual !== 'string' && typeof actual !== 'number' && typeof actual !== 'boolean') return false;
  if (type === 'dateTime' && (op === 'eq' || op === 'gt' || op === 'ge' || op === 'lt' || op === 'le')) {
    const a = Date.parse(String(actual));
    const e = Date.parse(String(expected));
    if (!Number.isNaN(a) && !Number.isNaN(e)) return op === 'eq' ? a === e : order(op, a, e)!;
  }
  const caseExact = def?.caseExact ?? false;
  const a = caseExact ? String(actual) : String(actual).toLowerCase();
  const e = caseExact ? String(expected) : String(expected).toLowerCase();
  return op === 'eq' ? a === e : stringOp(op, a, e);
}

function order(op: CompareOp, a: number | string, e: number | string): boolean | undefined {
  switch (op) {
    case 'eq':
      return a === e;
    case 'gt':
      return a > e;
    case 'ge':
      return a >= e;
    case 'lt':
      return a < e;
    case 'le':
      return a <= e;
    default:
      return undefined;
  }
}

function stringOp(op: CompareOp, a: string, e: string): boolean {
  switch (op) {
    case 'co':
      return a.includes(e);
    case 'sw':
      return a.startsWith(e);
    case 'ew':
      return a.endsWith(e);
    default:
      return order(op, a, e) ?? false;
  }
}

function toBool(v: Json | CompValue): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return undefined;
}

/** Walks a filter and returns true if it names `attr` (case-insensitive) anywhere at top level. */
export function mentions(filter: Filter, attr: string): boolean {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return mentions(filter.left, attr) || mentions(filter.right, attr);
    case 'not':
      return mentions(filter.filter, attr);
    default:
      return filter.path.attr.toLowerCase() === attr.toLowerCase();
  }
}
