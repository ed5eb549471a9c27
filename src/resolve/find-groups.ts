import type { GroupSelector } from './resolve-rules.js';
import { normalizeDn } from './normalize-identifier.js';
import type { SourceState } from './source-state.js';

/** Ids of the groups a selector names (by id, DN or case-insensitive name), sorted. */
export function findGroups(state: SourceState, selector: GroupSelector): string[] {
  if (selector.id !== undefined) return state.groups.has(selector.id) ? [selector.id] : [];
  const found: string[] = [];
  const dn = selector.dn !== undefined ? normalizeDn(selector.dn) : undefined;
  const name = selector.name?.toLowerCase();
  for (const [id, group] of state.groups) {
    if (dn !== undefined ? group.dn !== undefined && normalizeDn(group.dn) === dn : group.name.toLowerCase() === name) {
      found.push(id);
    }
  }
  return found.sort();
}
