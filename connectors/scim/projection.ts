import { splitAttrPath } from './filter-parser.js';
import type { AttrPath } from './filter-ast.js';
import { deleteCi, getCi, isObject, keyOf, type Json, type JsonObject } from './json.js';
import { containerOf, isCoreUrn, locate, type ResourceKind } from './resource-kind.js';

/** `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5), parsed. */
export type Projection = { readonly mode: 'all' } | { readonly mode: 'include' | 'exclude'; readonly paths: readonly AttrPath[] };

export const ALL: Projection = { mode: 'all' };

/** `attributes` wins when both are given. Invalid names are 400 invalidValue. */
export function parseProjection(kind: ResourceKind, attributes: string | readonly string[] | undefined, excluded: string | readonly string[] | undefined): Projection {
  const list = (v: string | readonly string[] | undefined): AttrPath[] =>
    (typeof v === 'string' ? v.split(',') : v ?? [])
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => splitAttrPath(s, kind.urns, 'invalidValue'));
  const include = list(attributes);
  if (include.length) return { mode: 'include', paths: include };
  const exclude = list(excluded);
  return exclude.length ? { mode: 'exclude', paths: exclude } : ALL;
}

/** Whether a top-level core attribute (e.g. `members`, `groups`) is part of the answer. */
export function wants(p: Projection, kind: ResourceKind, attr: string): boolean {
  const hit = (q: AttrPath) => q.attr.toLowerCase() === attr.toLowerCase() && isCoreUrn(kind, q.urn);
  if (p.mode === 'all') return true;
  if (p.mode === 'include') return p.paths.some(hit);
  return !p.paths.some((q) => hit(q) && !q.sub);
}

/** Applies a projection; `schemas` and `id` (returned "always") are always kept. */
export function project(resource: JsonObject, p: Projection, kind: ResourceKind): JsonObject {
  if (p.mode === 'all') return resource;
  if (p.mode === 'include') {
    const out: JsonObject = { schemas: resource.schemas ?? [], id: resource.id ?? null };
    for (const path of p.paths) include(resource, out, path, kind);
    return out;
  }
  const out: JsonObject = { ...resource };
  for (const path of p.paths) exclude(out, path, kind);
  return out;
}

function include(resource: JsonObject, out: JsonObject, path: AttrPath, kind: ResourceKind): void {
  if (!path.attr) {
    const ext = getCi(resource, path.urn!);
    if (ext !== undefined) out[keyOf(resource, path.urn!)!] = ext;
    return;
  }
  const loc = locate(kind, path);
  const from = containerOf(resource, loc);
  const key = from && keyOf(from, loc.name);
  if (!from || key === undefined) return;
  let to = out;
  if (loc.urn) {
    const existing = out[loc.urn];
    to = isObject(existing) ? existing : (out[loc.urn] = {});
  }
  const value = from[key]!;
  if (!path.sub) {
    to[key] = value;
    return;
  }
  const pick = (v: Json): Json | undefined => {
    if (!isObject(v)) return undefined;
    const sk = keyOf(v, path.sub!);
    return sk === undefined ? undefined : { [sk]: v[sk]! };
  };
  const merge = (prev: Json | undefined, next: Json | undefined): Json | undefined =>
    next === undefined ? prev : isObject(prev) && isObject(next) ? { ...prev, ...next } : next;
  if (Array.isArray(value)) {
    const prev = Array.isArray(to[key]) ? (to[key] as Json[]) : [];
    to[key] = value.map((v, i) => merge(prev[i], pick(v)) ?? {});
  } else {
    const picked = merge(to[key], pick(value));
    if (picked !== undefined) to[key] = picked;
  }
}

function exclude(out: JsonObject, path: AttrPath, kind: ResourceKind): void {
  if (!path.attr) {
    const k = keyOf(out, path.urn!);
    if (k !== undefined) delete out[k];
    return;
  }
  const loc = locate(kind, path);
  if (loc.def?.returned === 'always') return;
  let container = containerOf(out, loc);
  if (!container) return;
  if (loc.urn) {
    // Copy the extension object before changing it: `out` is a shallow copy of the resource.
    container = { ...container };
    out[keyOf(out, loc.urn)!] = container;
  }
  if (!path.sub) {
    deleteCi(container, loc.name);
    return;
  }
  const key = keyOf(container, loc.name);
  if (key === undefined) return;
  const drop = (v: Json): Json => {
    if (!isObject(v)) return v;
    const copy = { ...v };
    deleteCi(copy, path.sub!);
    return copy;
  };
  const value = container[key]!;
  container[key] = Array.isArray(value) ? value.map(drop) : drop(value);
}
