import type { ChangeSet, Rows } from '../model/change-set.js';

export interface DeletionGuardSettings {
  /** Hold a sync that removes more than this share (0-100) of the source's accounts or of all role grants. */
  readonly maxPercent: number;
  /** Removals up to this many are never held (small directories). */
  readonly minimum: number;
}

export interface HeldDeletions {
  readonly accountsRemoved: number;
  readonly accountsBefore: number;
  readonly grantsRemoved: number;
  readonly grantsBefore: number;
}

/** Keys ended and not started again in the same version: net removals. Nothing ended: the started rows are not read (an initial apply's are made as they are read). */
function netRemoved<K>(ended: Rows<K>, started: Rows<K>, key: (k: K) => string): number {
  if (ended.length === 0) return 0;
  const again = new Set<string>();
  for (const k of started) again.add(key(k));
  let n = 0;
  for (const k of ended) if (!again.has(key(k))) n++;
  return n;
}

/**
 * The mass-deletion guard: a version that would remove more than `maxPercent` of the source's
 * accounts or of all role grants is held (returned), not applied. Directories rarely lose a
 * tenth of their people in one sync; a broken filter or a wrong base DN does that.
 */
export function deletionGuard(changes: ChangeSet, before: { readonly accounts: number; readonly grants: number }, settings: DeletionGuardSettings): HeldDeletions | null {
  const accountsRemoved = netRemoved(changes.accounts.ended, changes.accounts.started, (k) => `${k.source}\u0000${k.externalId}`);
  const grantsRemoved = netRemoved(changes.grants.ended, changes.grants.started, (k) => `${k.principalId}\u0000${k.role}`);
  const over = (removed: number, total: number): boolean => removed > settings.minimum && removed * 100 > total * settings.maxPercent;
  if (!over(accountsRemoved, before.accounts) && !over(grantsRemoved, before.grants)) return null;
  return { accountsRemoved, accountsBefore: before.accounts, grantsRemoved, grantsBefore: before.grants };
}
