import type { RosterConfig } from '../config/roster-config.js';
import type { SourceFreshness } from '../policy/source-freshness.js';
import type { SyncStateRow } from '../store/sync-state-row.js';

/** Per source: last successful sync and allowed staleness (composition-root helper). */
export function freshnessOf(config: RosterConfig, states: readonly SyncStateRow[]): SourceFreshness {
  const bySource = new Map(states.map((s) => [s.source, s]));
  return new Map(config.sources.map((s) => [s.id, { lastSuccessAt: bySource.get(s.id)?.lastSuccessAt ?? null, maxStalenessMs: s.maxStaleness }]));
}
