import type { SourceFreshness } from '../policy/source-freshness.js';

/** Ready = a role state is loaded and every enabled source synced within its maxStaleness. */
export function readiness(hasIndex: boolean, freshness: SourceFreshness, now: number): { ready: boolean; details: string[] } {
  const details: string[] = [];
  if (!hasIndex) details.push('no role state loaded yet');
  for (const [source, f] of freshness) {
    if (f.lastSuccessAt === null) details.push(`source ${source} has never synced`);
    else if (now - f.lastSuccessAt > f.maxStalenessMs) details.push(`source ${source} is stale (${Math.round((now - f.lastSuccessAt) / 1000)}s)`);
  }
  return { ready: details.length === 0, details };
}
