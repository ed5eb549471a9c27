import type { DecisionSettings } from '../model/decision-settings.js';
import type { SourceFreshness } from '../policy/source-freshness.js';
import type { SyncStateRow } from '../store/sync-state-row.js';

/** Per source of the settings: last successful sync and allowed staleness (composition-root helper). */
export function freshnessOf(settings: Pick<DecisionSettings, 'maxStaleness'>, states: readonly SyncStateRow[]): SourceFreshness {
  const bySource = new Map(states.map((s) => [s.source, s]));
  return new Map([...settings.maxStaleness].map(([id, maxStalenessMs]) => [id, { lastSuccessAt: bySource.get(id)?.lastSuccessAt ?? null, maxStalenessMs }]));
}
