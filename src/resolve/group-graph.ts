import type { SourceState } from './source-state.js';

/** The group-in-group edges of one source (groups that exist only; accounts are not needed). */
export interface GroupGraph {
  readonly childGroups: ReadonlyMap<string, readonly string[]>;
}

export function buildGroupGraph(state: SourceState): GroupGraph {
  const childGroups = new Map<string, string[]>();
  for (const [groupId, members] of state.members) {
    const groups: string[] = [];
    for (const m of members) {
      // Nested groups that do not exist (yet) in this source are ignored, not fatal.
      if (m.charCodeAt(0) === 103 /* g */ && state.groups.has(m.slice(2))) groups.push(m.slice(2));
    }
    if (groups.length) childGroups.set(groupId, groups);
  }
  return { childGroups };
}
