import type { CompiledRoute } from './compiled-route.js';
import type { RouteSpec } from './policy-schema.js';

/** The first path segment ("/v1/chat" -> "v1"), or "" when the text has no second "/". */
const firstSegment = (text: string): string => {
  const end = text.indexOf('/', 1);
  return end < 0 ? '' : text.slice(1, end);
};

/**
 * Finds the routes a request path/method/resource falls under without scanning every route:
 * exact paths by hash, prefixes by one lookup per distinct prefix length, globs (few) by regex.
 */
export class RouteMatcher {
  private readonly exact = new Map<string, CompiledRoute[]>();
  /**
   * Prefixes bucketed by their first segment ("" = prefixes shorter than one segment); within a
   * bucket, one hash probe per distinct prefix length, so many routes under one segment stay cheap.
   */
  private readonly prefixes = new Map<string, { readonly lengths: number[]; readonly byPrefix: Map<string, CompiledRoute[]> }>();
  /** Globs with the literal text before their first `*`, checked before the regex runs. */
  private readonly globs: { readonly literal: string; readonly re: RegExp; readonly route: CompiledRoute }[] = [];

  constructor(routes: readonly (readonly [RouteSpec, CompiledRoute])[]) {
    for (const [spec, route] of routes) {
      if (spec.path !== undefined) push(this.exact, spec.path, route);
      else if (spec.pathPrefix !== undefined) {
        const key = firstSegment(spec.pathPrefix);
        let bucket = this.prefixes.get(key);
        if (!bucket) this.prefixes.set(key, (bucket = { lengths: [], byPrefix: new Map() }));
        // One probe per distinct length: a length listed twice would probe (and match) twice.
        if (!bucket.lengths.includes(spec.pathPrefix.length)) {
          bucket.lengths.push(spec.pathPrefix.length);
          bucket.lengths.sort((a, b) => a - b);
        }
        push(bucket.byPrefix, spec.pathPrefix, route);
      }
      else this.globs.push({ literal: spec.pathGlob!.split('*')[0]!, re: globToRegExp(spec.pathGlob!), route });
    }
  }

  /** Routes matching the request, in policy order within each kind (exact, prefix, glob). */
  match(path: string, method: string, resource: Readonly<Record<string, string>> | undefined): CompiledRoute[] {
    const out: CompiledRoute[] = [];
    const exact = this.exact.get(path);
    if (exact) for (const r of exact) if (accepts(r, method, resource)) out.push(r);
    if (this.prefixes.size) {
      this.matchPrefixes(this.prefixes.get(firstSegment(path)), path, method, resource, out);
      this.matchPrefixes(this.prefixes.get(''), path, method, resource, out);
    }
    for (const g of this.globs) if (path.startsWith(g.literal) && g.re.test(path) && accepts(g.route, method, resource)) out.push(g.route);
    return out;
  }

  private matchPrefixes(
    bucket: { readonly lengths: number[]; readonly byPrefix: Map<string, CompiledRoute[]> } | undefined,
    path: string,
    method: string,
    resource: Readonly<Record<string, string>> | undefined,
    out: CompiledRoute[],
  ): void {
    if (bucket === undefined) return;
    for (const len of bucket.lengths) {
      if (len > path.length) return;
      const list = bucket.byPrefix.get(path.length === len ? path : path.slice(0, len));
      if (list) for (const r of list) if (accepts(r, method, resource)) out.push(r);
    }
  }
}

function accepts(r: CompiledRoute, method: string, resource: Readonly<Record<string, string>> | undefined): boolean {
  if (r.methods && !r.methods.has(method)) return false;
  for (const [k, allowed] of r.resource) {
    const v = resource?.[k];
    if (v === undefined || !allowed.has(v)) return false;
  }
  return true;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** `*` matches within one path segment, `**` across segments; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
