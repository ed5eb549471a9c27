import type { SourceBatch } from '../../connectors/connector.js';

/** Everything a list of batches delivered, flattened (for assertions on what a run sent). */
export function flatten(batches: readonly SourceBatch[]) {
  return {
    accounts: batches.flatMap((b) => b.accounts ?? []),
    groups: batches.flatMap((b) => b.groups ?? []),
    memberships: batches.flatMap((b) => b.memberships ?? []),
    replaceMembers: batches.flatMap((b) => b.replaceMembers ?? []),
    removedAccounts: batches.flatMap((b) => b.removedAccounts ?? []),
    removedGroups: batches.flatMap((b) => b.removedGroups ?? []),
    removedMemberships: batches.flatMap((b) => b.removedMemberships ?? []),
  };
}
