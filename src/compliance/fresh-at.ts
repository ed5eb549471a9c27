import type { GrantPath } from '../model/grant-path.js';
import type { SourceFreshness } from '../policy/source-freshness.js';

/** Every source behind these grants counted as synced at `time`: questions of role, not of feed health. */
export function freshAt(time: number, grants: Iterable<ReadonlyMap<string, GrantPath>>): SourceFreshness {
  const out = new Map<string, { lastSuccessAt: number; maxStalenessMs: number }>();
  for (const g of grants) for (const p of g.values()) if (!out.has(p.source)) out.set(p.source, { lastSuccessAt: time, maxStalenessMs: Number.POSITIVE_INFINITY });
  return out;
}
