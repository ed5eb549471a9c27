/** The current rows of the store, as loaded at start to warm the applier's cache. */
export interface CurrentRows {
  readonly accounts: readonly { source: string; externalId: string; data: string }[];
  readonly groups: readonly { source: string; externalId: string; data: string }[];
  readonly memberships: readonly { source: string; groupId: string; member: string }[];
  readonly principals: readonly { id: string; data: string }[];
  readonly links: readonly { source: string; externalId: string; principalId: string }[];
  readonly aliases: readonly { kind: string; value: string; principalId: string }[];
  readonly grants: readonly { principalId: string; role: string; path: string }[];
}
