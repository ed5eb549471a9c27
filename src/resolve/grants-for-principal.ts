import type { GrantPath } from '../model/grant-path.js';
import type { Principal } from '../model/principal.js';
import { attributeMatches } from './attribute-matches.js';
import type { GrantContext } from './grant-context.js';
import type { GroupRoleGrant } from './role-index.js';
import { compareChains } from './group-closure.js';

const NONE: readonly GroupRoleGrant[] = [];

interface Best {
  entry: number;
  chain: readonly string[] | null;
  path: GrantPath;
}

/**
 * The roles of one principal, each with one path. When several paths grant a role, the earliest
 * `grantedBy` entry wins, then the shortest (then lexicographically smallest) group chain, so
 * the result does not depend on iteration order.
 */
export function grantsForPrincipal(p: Principal, ctx: GrantContext): Map<string, GrantPath> {
  const best = new Map<string, Best>();
  // Whether an offer beats the role's best so far (asked before building its path).
  const wins = (role: string, entry: number, chain: readonly string[] | null): boolean => {
    const prev = best.get(role);
    return !(prev && (prev.entry < entry || (prev.entry === entry && (chain === null || prev.chain === null || compareChains(prev.chain, chain) <= 0))));
  };
  for (const ref of p.accounts) {
    const byGroup = ctx.roleIndex.get(ref.source);
    if (!byGroup) continue;
    const groups = ctx.sources.get(ref.source)?.accountGroups.get(ref.externalId);
    if (!groups) continue;
    for (const g of groups) {
      for (const grant of byGroup.get(g) ?? NONE) {
        if (wins(grant.role, grant.entry, grant.chain)) best.set(grant.role, { entry: grant.entry, chain: grant.chain, path: grant.path });
      }
    }
  }
  for (const a of ctx.attributeEntries) {
    for (const [sourceId, attrs] of Object.entries(p.attributes)) {
      if (a.cond.source !== undefined && a.cond.source !== sourceId) continue;
      if (attributeMatches(attrs, a.cond)) {
        if (wins(a.role, a.entry, null)) best.set(a.role, { entry: a.entry, chain: null, path: { via: 'attribute', source: sourceId, condition: a.condition } });
        break;
      }
    }
  }
  if (ctx.staticIndex.size) {
    for (const idf of p.identifiers) {
      for (const s of ctx.staticIndex.get(`${idf.kind}:${idf.value}`) ?? []) {
        if (wins(s.role, s.entry, null)) best.set(s.role, { entry: s.entry, chain: null, path: { via: 'static', source: 'config', identifier: s.identifier } });
      }
    }
  }
  const out = new Map<string, GrantPath>();
  for (const [role, b] of best) out.set(role, b.path);
  return out;
}
