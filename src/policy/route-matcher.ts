import type { CompiledRoute } from './compiled-route.js';
import type { RouteSpec } from './policy-schema.js';

/**
 * Finds the routes a request path/method/resource falls under without scanning every route:
 * exact paths by hash, prefixes by one lookup per distinct prefix length, globs (few) by regex.
 */
export class RouteMatcher {
  private readonly exact = new Map<string, CompiledRoute[]>();
  private readonly prefixes = new Map<string, CompiledRoute[]>();
  private readonly prefixLengths: number[];
  private readonly globs: { readonly re: RegExp; readonly route: CompiledRoute }[] = [];

  constructor(specs: readonly RouteSpec[]) {
    const lengths = new Set<number>();
    for (const spec of specs) {
      const route: CompiledRoute = {
        name: spec.name,
        methods: spec.methods ? new Set(spec.methods) : null,
        resource: Object.entries(spec.resource ?? {}).map(([k, v]) => [k, new Set(typeof v === 'string' ? [v] : v)] as const),
        failOpen: spec.failOpen,
      };
      if (spec.path !== undefined) push(this.exact, spec.path, route);
      else if (spec.pathPrefix !== undefined) {
        push(this.prefixes, spec.pathPrefix, route);
        lengths.add(spec.pathPrefix.length);
      } else this.globs.push({ re: globToRegExp(spec.pathGlob!), route });
    }
    this.prefixLengths = [...lengths].sort((a, b) => a - b);
  }

  /** Routes matching the request, in policy order within each kind (exact, prefix, glob). */
  match(path: string, method: string, resource: Readonly<Record<string, string>> | undefined): CompiledRoute[] {
    const out: CompiledRoute[] = [];
    const take = (list: readonly CompiledRoute[] | undefined): void => {
      if (list) for (const r of list) if (accepts(r, method, resource)) out.push(r);
    };
    take(this.exact.get(path));
    for (const len of this.prefixLengths) {
      if (len > path.length) break;
      take(this.prefixes.get(path.slice(0, len)));
    }
    for (const g of this.globs) if (g.re.test(path) && accepts(g.route, method, resource)) out.push(g.route);
    return out;
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
