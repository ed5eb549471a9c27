import type { SourceState } from './source-state.js';

/** Direct edges of one source's groups, split by member type, built once per resolution. */
export interface GroupGraph {
  readonly childGroups: ReadonlyMap<string, readonly string[]>;
  readonly accountMembers: ReadonlyMap<string, readonly string[]>;
}

export function buildGroupGraph(state: SourceState): GroupGraph {
  const childGroups = new Map<string, string[]>();
  const accountMembers = new Map<string, string[]>();
  for (const [groupId, members] of state.members) {
    const accounts: string[] = [];
    const groups: string[] = [];
    for (const m of members) {
      // Members that do not exist (yet) in this source are ignored, not fatal.
      if (m.startsWith('a:')) {
        const id = m.slice(2);
        if (state.accounts.has(id)) accounts.push(id);
      } else {
        const id = m.slice(2);
        if (state.groups.has(id)) groups.push(id);
      }
    }
    if (accounts.length) accountMembers.set(groupId, accounts);
    if (groups.length) childGroups.set(groupId, groups);
  }
  return { childGroups, accountMembers };
}
