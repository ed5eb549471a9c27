import { checkFilter } from './filter-eval.js';
import { parseFilter } from './filter-parser.js';
import type { Filter } from './filter-ast.js';
import { badRequest } from './scim-error.js';
import { getCi, isObject } from './json.js';
import { parseProjection, type Projection } from './projection.js';
import { resourceScope, type ResourceKind } from './resource-kind.js';
import type { Query } from './scim-http.js';
import { requireSchema } from './user-input.js';
import { LIST_RESPONSE_SCHEMA, SEARCH_REQUEST_SCHEMA } from './scim-schemas.js';

/** A list or search request (RFC 7644 §3.4.2, §3.4.3). */
export interface ListRequest {
  readonly filter?: Filter;
  /** 1-based. */
  readonly startIndex: number;
  readonly count: number;
  readonly projection: Projection;
}

export function listRequestFromQuery(q: Query, kind: ResourceKind, maxResults: number): ListRequest {
  return build(kind, maxResults, q.get('filter'), q.get('startIndex'), q.get('count'), q.get('attributes'), q.get('excludedAttributes'));
}

/** POST /.search: the same parameters in a SearchRequest body. */
export function listRequestFromSearch(body: unknown, kind: ResourceKind, maxResults: number): ListRequest {
  if (!isObject(body)) throw badRequest('invalidSyntax', 'the request body must be a JSON object');
  requireSchema(body, SEARCH_REQUEST_SCHEMA);
  const str = (name: string): string | undefined => {
    const v = getCi(body, name);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(',');
    throw badRequest('invalidValue', `"${name}" has the wrong type`);
  };
  return build(kind, maxResults, str('filter'), str('startIndex'), str('count'), str('attributes'), str('excludedAttributes'));
}

function build(
  kind: ResourceKind,
  maxResults: number,
  filterText: string | undefined,
  startText: string | undefined,
  countText: string | undefined,
  attributes: string | undefined,
  excluded: string | undefined,
): ListRequest {
  const filter = filterText !== undefined ? parseFilter(filterText, kind.urns) : undefined;
  if (filter) checkFilter(filter, resourceScope(kind));
  const startIndex = Math.max(1, integer('startIndex', startText) ?? 1);
  const count = Math.min(maxResults, Math.max(0, integer('count', countText) ?? maxResults));
  const projection = parseProjection(kind, attributes, excluded);
  return filter ? { filter, startIndex, count, projection } : { startIndex, count, projection };
}

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  if (!/^\s*-?\d{1,15}\s*$/.test(text)) throw badRequest('invalidValue', `${name} must be an integer`);
  return Number(text);
}

export function listResponse(totalResults: number, startIndex: number, resources: readonly object[]): object {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults, itemsPerPage: resources.length, startIndex, Resources: resources };
}
