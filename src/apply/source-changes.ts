import type { ChangeSet } from '../model/change-set.js';
import type { RawDiff } from './raw-diff.js';
import { KeyedRows } from './keyed-rows.js';
import type { SourceCache } from './source-cache.js';

type SourceSections = Pick<ChangeSet, 'accounts' | 'groups' | 'memberships'>;

/**
 * The source-data half of a change set, read BEFORE the diff is applied to the cache. The
 * started rows' JSON is made as the store reads them (from the diff's values, which nothing
 * changes until the commit): an initial apply never holds 100k accounts' JSON at once.
 */
export function sourceChanges(source: string, cache: SourceCache, diff: RawDiff): SourceSections {
  return {
    accounts: section(source, cache.accounts, diff.accounts),
    groups: section(source, cache.groups, diff.groups),
    // Already change-set rows: shared, not copied.
    memberships: { ended: diff.memberRemoves, started: diff.memberAdds },
  };
}

function section<T extends { readonly externalId: string }>(source: string, current: ReadonlyMap<string, T>, changed: ReadonlyMap<string, T | null>): SourceSections['accounts'] {
  const ended: { source: string; externalId: string }[] = [];
  const started = new KeyedRows<{ source: string; externalId: string; data: string }, T>((value) => [{ source, externalId: value.externalId, data: JSON.stringify(value) }]);
  for (const [externalId, entry] of changed) {
    if (current.has(externalId)) ended.push({ source, externalId });
    if (entry) started.pushKey(entry, 1);
  }
  return { ended, started };
}
