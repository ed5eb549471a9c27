import type { SourceState } from './source-state.js';

/** The group-in-group edges of one source (groups that exist only; accounts are not needed). */
export interface GroupGraph {
  readonly childGroups: ReadonlyMap<string, readonly string[]>;
}

export function buildGroupGraph(state: SourceState): GroupGraph {
  const childGroups = new Map<string, string[]>();
  for (const [groupId, members] of state.childGroups) {
    // Nested groups that do not exist (yet) in this source are ignored, not fatal.
    const groups = [...members.keys()].filter((id) => state.groups.has(id));
    if (groups.length) childGroups.set(groupId, groups);
  }
  return { childGroups };
}
