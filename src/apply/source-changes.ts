import type { ChangeSet } from '../model/change-set.js';
import type { RawDiff } from './raw-diff.js';
import type { SourceCache } from './source-cache.js';

type SourceSections = Pick<ChangeSet, 'accounts' | 'groups' | 'memberships'>;

/** The source-data half of a change set, read BEFORE the diff is applied to the cache. */
export function sourceChanges(source: string, cache: SourceCache, diff: RawDiff): SourceSections {
  const accounts = { ended: [] as { source: string; externalId: string }[], started: [] as { source: string; externalId: string; data: string }[] };
  for (const [externalId, entry] of diff.accounts) {
    if (cache.accounts.has(externalId)) accounts.ended.push({ source, externalId });
    if (entry) accounts.started.push({ source, externalId, data: entry.json });
  }
  const groups = { ended: [] as { source: string; externalId: string }[], started: [] as { source: string; externalId: string; data: string }[] };
  for (const [externalId, entry] of diff.groups) {
    if (cache.groups.has(externalId)) groups.ended.push({ source, externalId });
    if (entry) groups.started.push({ source, externalId, data: entry.json });
  }
  return {
    accounts,
    groups,
    // Already change-set rows: shared, not copied.
    memberships: { ended: diff.memberRemoves, started: diff.memberAdds },
  };
}
