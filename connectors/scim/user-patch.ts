import type { Filter, PatchPath } from './filter-ast.js';
import { matches } from './filter-eval.js';
import { badRequest } from './scim-error.js';
import { asArray, deepEqual, deleteCi, getCi, isObject, keyOf, setCi, type Json, type JsonObject } from './json.js';
import { containerOf, elementScope, locate, USER_KIND, type Located } from './resource-kind.js';
import type { PatchOperation } from './patch-request.js';

/**
 * Applies PATCH operations to a copy of a stored User (RFC 7644 §3.5.2) and returns the copy; the
 * caller validates the result like a PUT body. Follows the RFC where Okta and Entra rely on it and
 * is lenient where they are known to deviate:
 * - replace of a complex attribute merges the given sub-attributes (the RFC's rule);
 * - add/replace on `emails[type eq "work"].value` with no matching value creates one with
 *   `type: "work"` (Entra sends Add or Replace for an email the user does not have yet);
 * - `id` equal to the user's own id is ignored (Okta sends it), `schemas` in a value object is
 *   ignored, the password is accepted and never stored; other read-only attributes are 400.
 */
export function patchUser(stored: JsonObject, ops: readonly PatchOperation[]): JsonObject {
  const res = structuredClone(stored) as JsonObject;
  for (const op of ops) applyOne(res, op);
  return res;
}

function applyOne(res: JsonObject, op: PatchOperation): void {
  const { path } = op;
  if (!path.attr) {
    // `remove` of a whole extension.
    const k = keyOf(res, path.urn!);
    if (k !== undefined) delete res[k];
    return;
  }
  if (!path.urn && path.attr.toLowerCase() === 'schemas') return;
  const loc = locate(USER_KIND, path);
  if (loc.def?.mutability === 'writeOnly') return;
  if (loc.def?.mutability === 'readOnly') {
    if (loc.name === 'id' && op.op !== 'remove' && op.value === res.id) return;
    throw badRequest('mutability', `${loc.name} is read-only`);
  }
  let container = containerOf(res, loc);
  if (!container) {
    if (op.op === 'remove') return;
    container = {};
    res[loc.urn!] = container;
  }
  const multi = loc.def ? loc.def.multiValued : Array.isArray(getCi(container, loc.name));
  if (path.filter) return filtered(op, container, loc, path as PatchPath & { filter: Filter }, multi);
  if (path.sub) return subAttribute(op, container, loc.name, path.sub, multi);
  whole(op, container, loc.name, multi);
}

function whole(op: PatchOperation, c: JsonObject, name: string, multi: boolean): void {
  const current = getCi(c, name);
  if (op.op === 'remove') {
    if (multi && op.value !== undefined && op.value !== null) {
      const drop = asArray(op.value);
      const left = asArray(current).filter((el) => !drop.some((d) => sameValue(el, d)));
      return left.length ? setCi(c, name, left) : deleteCi(c, name);
    }
    return deleteCi(c, name);
  }
  const value = op.value ?? null;
  if (value === null) return deleteCi(c, name);
  if (multi) {
    const incoming = asArray(value);
    const base = op.op === 'add' ? asArray(current) : [];
    const list = [...base];
    for (const v of incoming) if (!list.some((x) => deepEqual(x, v))) list.push(v);
    singlePrimary(list, incoming);
    return list.length ? setCi(c, name, list) : deleteCi(c, name);
  }
  if (isObject(value) && isObject(current)) {
    // Both add and replace of a complex attribute leave unnamed sub-attributes as they are.
    const merged = { ...current };
    for (const [k, v] of Object.entries(value)) v === null ? deleteCi(merged, k) : setCi(merged, k, v);
    return setCi(c, name, merged);
  }
  setCi(c, name, value);
}

function subAttribute(op: PatchOperation, c: JsonObject, name: string, sub: string, multi: boolean): void {
  const current = getCi(c, name);
  const value = op.op === 'remove' ? null : op.value ?? null;
  if (multi) {
    // `emails.value` without a filter: every value (or a new one when there is none).
    const list = asArray(current).map((el) => (isObject(el) ? { ...el } : el));
    if (list.length === 0 && value !== null) list.push({ [sub]: value });
    else for (const el of list) if (isObject(el)) value === null ? deleteCi(el, sub) : setCi(el, sub, value);
    return list.length ? setCi(c, name, list) : deleteCi(c, name);
  }
  const obj = isObject(current) ? { ...current } : {};
  if (value === null) deleteCi(obj, sub);
  else setCi(obj, sub, value);
  return Object.keys(obj).length ? setCi(c, name, obj) : deleteCi(c, name);
}

function filtered(op: PatchOperation, c: JsonObject, loc: Located, path: PatchPath & { filter: Filter }, multi: boolean): void {
  if (!multi) throw badRequest('invalidPath', `${loc.name} is not multi-valued; a value filter cannot select in it`);
  const scope = elementScope(loc.def?.subAttributes);
  const list = asArray(getCi(c, loc.name)).map((el) => (isObject(el) ? { ...el } : el));
  const hit = (el: Json): el is JsonObject => isObject(el) && matches(path.filter, el, scope);
  const sub = path.sub;
  if (op.op === 'remove') {
    const left = sub ? list.map((el) => (hit(el) ? (deleteCi(el, sub), el) : el)) : list.filter((el) => !hit(el));
    return left.length ? setCi(c, loc.name, left) : deleteCi(c, loc.name);
  }
  const value = op.value ?? null;
  const targets = list.filter(hit);
  if (targets.length === 0) {
    const seed = equalities(path.filter);
    if (!seed) throw badRequest('noTarget', `no value of ${loc.name} matches the filter`);
    if (value === null) return;
    const created: JsonObject = sub ? { ...seed, [sub]: value } : isObject(value) ? { ...seed, ...value } : { ...seed, value };
    list.push(created);
    singlePrimary(list, [created]);
    return setCi(c, loc.name, list);
  }
  for (const el of targets) {
    if (sub) value === null ? deleteCi(el, sub) : setCi(el, sub, value);
    else if (isObject(value)) {
      if (op.op === 'replace') for (const k of Object.keys(el)) delete el[k];
      for (const [k, v] of Object.entries(value)) if (v !== null) setCi(el, k, v);
    }
  }
  singlePrimary(list, targets);
  setCi(c, loc.name, list);
}

/** `type eq "work" and primary eq true` -> { type: 'work', primary: true }; other filters -> null. */
function equalities(f: Filter): JsonObject | null {
  if (f.kind === 'compare' && f.op === 'eq' && !f.path.sub && !f.path.urn) return { [f.path.attr]: f.value };
  if (f.kind === 'and') {
    const l = equalities(f.left);
    const r = equalities(f.right);
    return l && r ? { ...l, ...r } : null;
  }
  return null;
}

/** Elements are the same value when equal, or when their `value` sub-attributes are equal. */
function sameValue(el: Json, given: Json): boolean {
  if (deepEqual(el, given)) return true;
  const a = isObject(el) ? getCi(el, 'value') : el;
  const b = isObject(given) ? getCi(given, 'value') : given;
  return a !== undefined && a !== null && (typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : deepEqual(a, b));
}

/** A value just made primary takes `primary` away from the others (RFC 7643 §2.4). */
function singlePrimary(list: Json[], changed: readonly Json[]): void {
  const isPrimary = (v: Json) => isObject(v) && (getCi(v, 'primary') === true || String(getCi(v, 'primary')).toLowerCase() === 'true');
  const winner = [...changed].reverse().find(isPrimary);
  if (!winner) return;
  for (const el of list) if (el !== winner && isObject(el) && isPrimary(el) && !deepEqual(el, winner)) setCi(el, 'primary', false);
}
