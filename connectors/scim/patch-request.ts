import { parsePatchPath } from './filter-parser.js';
import type { PatchPath } from './filter-ast.js';
import { badRequest } from './scim-error.js';
import { eqIgnoreCase, getCi, isObject, type Json } from './json.js';
import type { ResourceKind } from './resource-kind.js';
import { requireSchema } from './user-input.js';
import { PATCH_OP_SCHEMA } from './scim-schemas.js';

export type PatchOpName = 'add' | 'replace' | 'remove';

/** One PATCH operation with its path parsed; path-less add/replace are expanded to one per attribute. */
export interface PatchOperation {
  readonly op: PatchOpName;
  readonly path: PatchPath;
  readonly value?: Json;
  /** True when the operation came from the value object of a path-less add/replace. */
  readonly fromValueObject?: boolean;
}

export const MAX_OPERATIONS = 10_000;

/**
 * Parses a PatchOp body as Okta and Entra send it: op names in any case (`Add`, `Replace`,
 * `Remove`), `Operations` in any case, and path-less add/replace whose value object has plain
 * attribute names, dotted names (`name.givenName`), value paths (`emails[type eq "work"].value`),
 * URN-qualified names, or a whole extension object.
 */
export function parsePatchRequest(body: unknown, kind: ResourceKind): PatchOperation[] {
  if (!isObject(body)) throw badRequest('invalidSyntax', 'the request body must be a JSON object');
  requireSchema(body, PATCH_OP_SCHEMA);
  const ops = getCi(body, 'Operations');
  if (!Array.isArray(ops) || ops.length === 0) throw badRequest('invalidSyntax', '"Operations" must be a non-empty list');
  if (ops.length > MAX_OPERATIONS) throw badRequest('tooMany', `at most ${MAX_OPERATIONS} operations per PATCH`);
  const out: PatchOperation[] = [];
  ops.forEach((raw, i) => {
    if (!isObject(raw)) throw badRequest('invalidSyntax', `Operations[${i}] must be an object`);
    const opRaw = getCi(raw, 'op');
    const op = typeof opRaw === 'string' ? opRaw.trim().toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw badRequest('invalidSyntax', `Operations[${i}].op must be add, replace or remove`);
    const pathRaw = getCi(raw, 'path');
    const value = getCi(raw, 'value');
    if (pathRaw !== undefined && pathRaw !== null && typeof pathRaw !== 'string') throw badRequest('invalidPath', `Operations[${i}].path must be a string`);
    const path = typeof pathRaw === 'string' && pathRaw.trim() !== '' ? pathRaw.trim() : undefined;
    if (path !== undefined) {
      if (op !== 'remove' && value === undefined) throw badRequest('invalidValue', `Operations[${i}]: "${op}" needs a value`);
      if (kind.urns.some((u) => eqIgnoreCase(u, path)) || isExtensionKey(path)) {
        // The path names a whole extension: remove it, or add/replace the attributes inside it.
        if (op === 'remove') out.push({ op, path: { urn: path, attr: '' } });
        else if (isObject(value)) out.push(...expand(op, path, value, kind));
        else throw badRequest('invalidValue', `Operations[${i}]: the value of ${path} must be an object`);
        return;
      }
      out.push({ op, path: parsePatchPath(path, kind.urns), ...(value !== undefined ? { value } : {}) });
      return;
    }
    if (op === 'remove') throw badRequest('noTarget', `Operations[${i}]: "remove" needs a path`);
    if (!isObject(value)) throw badRequest('invalidValue', `Operations[${i}]: without a path, the value must be an object of attributes`);
    for (const [key, v] of Object.entries(value)) out.push(...expand(op, key, v, kind));
  });
  return out;
}

function expand(op: 'add' | 'replace', key: string, value: Json, kind: ResourceKind): PatchOperation[] {
  // A whole extension (or the core schema) as an object: one operation per attribute inside it.
  if (isObject(value) && (kind.urns.some((u) => eqIgnoreCase(u, key)) || isExtensionKey(key))) {
    const core = eqIgnoreCase(key, kind.core.id);
    return Object.entries(value).map(([k, v]) => ({
      op,
      path: core ? parsePatchPath(k, kind.urns) : { ...parsePatchPath(k, kind.urns), urn: key },
      value: v,
      fromValueObject: true,
    }));
  }
  return [{ op, path: parsePatchPath(key, kind.urns), value, fromValueObject: true }];
}

/** `urn:…:2.0:User`-shaped keys name a (custom) extension, not an attribute inside one. */
const isExtensionKey = (key: string): boolean => /^urn:.*:\d+(\.\d+)*:(User|Group)$/i.test(key);
