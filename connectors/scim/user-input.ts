import { badRequest } from './scim-error.js';
import { eqIgnoreCase, getCi, isObject, type Json, type JsonObject } from './json.js';
import { extensionOf, USER_KIND } from './resource-kind.js';
import { COMMON_ATTRIBUTES, findAttr, USER_SCHEMA, type AttrDef } from './scim-schemas.js';

const NAME = /^\$?[A-Za-z][A-Za-z0-9_$-]*$/;
/** Attributes the client may send but that are never stored: read-only ones and the password. */
const DROPPED = new Set(['schemas', 'id', 'meta', 'groups', 'password']);

/**
 * Validates a User as sent by POST or PUT (or as a PATCH left it) and returns it in canonical form:
 * known attribute names spelled as the schema spells them, booleans sent as "True"/"False" made
 * booleans, null and empty lists dropped, read-only attributes and the password removed, and
 * `schemas` listing the core schema and every extension present. Wrong types are 400 invalidValue.
 */
export function normalizeUser(body: unknown, opts: { requireSchemas: boolean }): JsonObject {
  if (!isObject(body)) throw badRequest('invalidSyntax', 'the request body must be a JSON object');
  if (opts.requireSchemas) requireSchema(body, USER_SCHEMA);
  const out: JsonObject = {};
  addAttributes(out, body);
  const userName = out.userName;
  if (typeof userName !== 'string' || userName.trim() === '') throw badRequest('invalidValue', 'userName is required and must be a non-empty string');
  const extensions = Object.keys(out).filter((k) => /^urn:/i.test(k));
  return { schemas: [USER_SCHEMA, ...extensions], ...out };
}

/** 400 invalidSyntax unless `schemas` is a list of strings that names `urn`. */
export function requireSchema(body: JsonObject, urn: string): void {
  const schemas = getCi(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string')) {
    throw badRequest('invalidSyntax', `"schemas" must be a list that names ${urn}`);
  }
  if (!schemas.some((s) => eqIgnoreCase(s as string, urn))) throw badRequest('invalidSyntax', `"schemas" must name ${urn}`);
}

function addAttributes(out: JsonObject, body: JsonObject): void {
  for (const [key, value] of Object.entries(body)) {
    if (DROPPED.has(key.toLowerCase())) continue;
    if (/^urn:/i.test(key)) {
      addExtension(out, key, value);
      continue;
    }
    const def = findAttr(USER_KIND.core.attributes, key) ?? findAttr(COMMON_ATTRIBUTES, key);
    if (!def) {
      checkNames(key, value);
      if (value !== null) out[key] = value;
      continue;
    }
    const v = normalizeAttr(def, value, def.name);
    if (v !== undefined) out[def.name] = v;
    else delete out[def.name];
  }
}

function addExtension(out: JsonObject, urn: string, value: Json): void {
  if (value === null) return;
  if (!isObject(value)) throw badRequest('invalidValue', `the extension ${urn} must be an object`);
  // Core attributes sent under the core schema URN are core attributes.
  if (eqIgnoreCase(urn, USER_SCHEMA)) return addAttributes(out, value);
  const ext = extensionOf(USER_KIND, urn);
  if (!ext) {
    checkNames(urn, value);
    if (Object.keys(value).length) out[urn] = value;
    return;
  }
  const obj: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    const def = findAttr(ext.attributes, k);
    if (!def) {
      checkNames(k, v);
      if (v !== null) obj[k] = v;
      continue;
    }
    const n = normalizeAttr(def, v, `${ext.id}:${def.name}`);
    if (n !== undefined) obj[def.name] = n;
  }
  if (Object.keys(obj).length) out[ext.id] = obj;
}

/** Normalizes one attribute value against its definition; undefined means "unassigned". */
export function normalizeAttr(def: AttrDef, value: Json, where: string): Json | undefined {
  if (value === null) return undefined;
  if (!def.multiValued) return single(def, value, where);
  const list = (Array.isArray(value) ? value : [value]).map((v) => single(def, v, where)).filter((v): v is Json => v !== undefined);
  if (def.type === 'complex' && list.filter((v) => isObject(v) && v.primary === true).length > 1) {
    throw badRequest('invalidValue', `${where}: "primary" may be true for one value only`);
  }
  return list.length ? list : undefined;
}

function single(def: AttrDef, value: Json, where: string): Json | undefined {
  if (value === null) return undefined;
  const wrong = () => badRequest('invalidValue', `${where}: expected ${def.multiValued ? `a list of ${def.type} values` : `a ${def.type}`}, found ${describe(value)}`);
  switch (def.type) {
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof value === 'string') return value;
      if (typeof value === 'number') return String(value);
      throw wrong();
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
      throw wrong();
    case 'integer':
    case 'decimal': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (Number.isFinite(n) && (def.type === 'decimal' || Number.isInteger(n))) return n;
      throw wrong();
    }
    case 'dateTime':
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
      throw wrong();
    case 'complex': {
      // A bare value where a complex one belongs (Entra sends `manager` as the manager's id).
      if ((typeof value === 'string' || typeof value === 'number') && findAttr(def.subAttributes, 'value')) return { value: String(value) };
      if (!isObject(value)) throw wrong();
      const obj: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        const sub = findAttr(def.subAttributes, k);
        if (!sub) {
          checkNames(k, v);
          if (v !== null) obj[k] = v;
          continue;
        }
        const n = single(sub, v, `${where}.${sub.name}`);
        if (n !== undefined) obj[sub.name] = n;
      }
      return Object.keys(obj).length ? obj : undefined;
    }
  }
}

/** Attribute names of unknown content must be SCIM names (this also keeps `__proto__` out). */
export function checkNames(key: string, value: Json): void {
  checkName(key);
  const stack: Json[] = [value];
  while (stack.length) {
    const v = stack.pop()!;
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        checkName(k);
        stack.push(x);
      }
    }
  }
}

function checkName(k: string): void {
  if (!NAME.test(k) && !/^urn:[A-Za-z0-9:._-]+$/i.test(k)) throw badRequest('invalidValue', `"${k.slice(0, 64)}" is not a valid attribute name`);
}

const describe = (v: Json): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v).slice(0, 40)}`);
