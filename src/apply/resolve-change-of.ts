import { accountKey } from '../resolve/account-key.js';
import type { ResolveChange } from '../resolve/resolve-state.js';
import type { RawDiff } from './raw-diff.js';
import type { SourceCache } from './source-cache.js';

/**
 * What a raw diff means for resolution, read BEFORE it is applied: which accounts are dirty,
 * whether linking must be redone (accounts added/removed or identifiers changed), and whether
 * groups or nesting changed.
 */
export function resolveChangeOf(source: string, cache: SourceCache, diff: RawDiff): ResolveChange {
  const dirtyAccounts = new Set<string>();
  const relinkAccounts = new Set<string>();
  for (const [id, entry] of diff.accounts) {
    const key = accountKey(source, id);
    dirtyAccounts.add(key);
    const old = cache.accounts.get(id);
    if (!old || !entry || JSON.stringify(old.identifiers) !== JSON.stringify(entry.identifiers)) relinkAccounts.add(key);
  }
  const relink = relinkAccounts.size > 0;
  let groupsChanged = diff.groups.size > 0;
  for (const list of [diff.memberAdds, diff.memberRemoves]) {
    for (const { member: key } of list) {
      if (key.charCodeAt(0) === 97 /* a */) dirtyAccounts.add(accountKey(source, key.slice(2)));
      else groupsChanged = true;
    }
  }
  return { dirtyAccounts, relink, relinkAccounts, groupsChanged };
}
