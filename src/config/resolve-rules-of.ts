import type { ResolveRules } from '../resolve/resolve-rules.js';
import type { RosterConfig } from './roster-config.js';

/** The part of the config that resolution depends on. Static sources may grant roles directly. */
export const resolveRulesOf = (config: RosterConfig): ResolveRules => ({
  linking: config.identity.link,
  roles: config.roles,
  directRoleSources: config.sources.filter((s) => s.type === 'static').map((s) => s.id),
});
