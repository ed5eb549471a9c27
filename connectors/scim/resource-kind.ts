import type { AttrPath } from './filter-ast.js';
import { asArray, eqIgnoreCase, getCi, isObject, keyOf, type Json, type JsonObject } from './json.js';
import {
  COMMON_ATTRIBUTES,
  ENTERPRISE_SCHEMA_DEF,
  findAttr,
  GROUP_SCHEMA_DEF,
  USER_SCHEMA_DEF,
  type AttrDef,
  type SchemaDef,
} from './scim-schemas.js';

/** A SCIM resource type: its core schema and its extensions. */
export interface ResourceKind {
  readonly name: 'User' | 'Group';
  readonly endpoint: '/Users' | '/Groups';
  readonly core: SchemaDef;
  readonly extensions: readonly SchemaDef[];
  /** The core URN and the extension URNs, for path parsing. */
  readonly urns: readonly string[];
}

export const USER_KIND: ResourceKind = {
  name: 'User',
  endpoint: '/Users',
  core: USER_SCHEMA_DEF,
  extensions: [ENTERPRISE_SCHEMA_DEF],
  urns: [USER_SCHEMA_DEF.id, ENTERPRISE_SCHEMA_DEF.id],
};

export const GROUP_KIND: ResourceKind = {
  name: 'Group',
  endpoint: '/Groups',
  core: GROUP_SCHEMA_DEF,
  extensions: [],
  urns: [GROUP_SCHEMA_DEF.id],
};

export const isCoreUrn = (kind: ResourceKind, urn: string | undefined): boolean => urn === undefined || eqIgnoreCase(urn, kind.core.id);
export const extensionOf = (kind: ResourceKind, urn: string): SchemaDef | undefined => kind.extensions.find((s) => eqIgnoreCase(s.id, urn));

/** Where an attribute lives: the resource itself (core) or an extension object; and its definition. */
export interface Located {
  /** The key of the extension object (canonical URN), or undefined for core attributes. */
  readonly urn?: string;
  readonly def?: AttrDef;
  /** The canonical attribute name (the definition's, or as given when unknown). */
  readonly name: string;
}

/**
 * Locates a path in a resource kind. Without a URN the core schema and the common attributes are
 * searched, then (leniently) the extensions, as clients often leave the URN out.
 */
export function locate(kind: ResourceKind, path: AttrPath): Located {
  if (!isCoreUrn(kind, path.urn)) {
    const ext = extensionOf(kind, path.urn!);
    const def = findAttr(ext?.attributes, path.attr);
    return { urn: ext?.id ?? path.urn!, ...(def ? { def } : {}), name: def?.name ?? path.attr };
  }
  const def = findAttr(kind.core.attributes, path.attr) ?? findAttr(COMMON_ATTRIBUTES, path.attr);
  if (def) return { def, name: def.name };
  if (!path.urn) {
    for (const ext of kind.extensions) {
      const d = findAttr(ext.attributes, path.attr);
      if (d) return { urn: ext.id, def: d, name: d.name };
    }
  }
  return { name: path.attr };
}

/** The object holding a located attribute inside `resource` (undefined when the extension is absent). */
export function containerOf(resource: JsonObject, loc: Located): JsonObject | undefined {
  if (!loc.urn) return resource;
  const ext = getCi(resource, loc.urn);
  return isObject(ext) ? ext : undefined;
}

/** How the filter evaluator sees attributes: values by path, and the scope inside a value filter. */
export interface FilterScope {
  values(obj: JsonObject, path: AttrPath): { values: Json[]; def?: AttrDef };
  element(path: AttrPath): FilterScope;
  defOf(path: AttrPath): AttrDef | undefined;
}

function subValues(elements: Json[], sub: string): Json[] {
  return elements.flatMap((e) => (isObject(e) ? asArray(getCi(e, sub)) : []));
}

export function resourceScope(kind: ResourceKind): FilterScope {
  const scope: FilterScope = {
    defOf(path) {
      const def = locate(kind, path).def;
      return path.sub ? findAttr(def?.subAttributes, path.sub) : def;
    },
    values(obj, path) {
      const loc = locate(kind, path);
      const container = containerOf(obj, loc);
      const raw = container ? asArray(getCi(container, loc.name)) : [];
      const values = path.sub ? subValues(raw, path.sub) : raw;
      const def = scope.defOf(path);
      return def ? { values, def } : { values };
    },
    element(path) {
      return elementScope(locate(kind, path).def?.subAttributes);
    },
  };
  return scope;
}

/** Inside `emails[...]`: paths name sub-attributes of one element. */
export function elementScope(subDefs: readonly AttrDef[] | undefined): FilterScope {
  const scope: FilterScope = {
    defOf: (path) => findAttr(subDefs, path.attr),
    values(obj, path) {
      const k = keyOf(obj, path.attr);
      const values = k === undefined ? [] : asArray(obj[k]);
      const def = scope.defOf(path);
      return def ? { values, def } : { values };
    },
    element: () => elementScope(undefined),
  };
  return scope;
}
