import type { DecisionSettings } from '../model/decision-settings.js';
import type { RosterConfig } from './roster-config.js';

/** The decision settings a configuration puts in force. */
export const decisionSettingsOf = (config: Pick<RosterConfig, 'roles' | 'sources'>): DecisionSettings => ({
  ranks: new Map(config.roles.map((r) => [r.name, r.rank])),
  maxStaleness: new Map(config.sources.map((s) => [s.id, s.maxStaleness])),
});
