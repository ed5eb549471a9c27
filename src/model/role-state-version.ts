export type VersionTrigger = 'sync' | 'scim' | 'manual';

/** Counts of what one version changed, by kind of row. */
export interface ChangeCounts {
  readonly accounts: number;
  readonly groups: number;
  readonly memberships: number;
  readonly principals: number;
  readonly aliases: number;
  readonly grants: number;
}

/** One committed change of roles or memberships; ids increase monotonically. */
export interface RoleStateVersion {
  readonly id: number;
  /** Commit time, ms since the epoch. */
  readonly committedAt: number;
  readonly source: string;
  readonly trigger: VersionTrigger;
  readonly counts: ChangeCounts;
}
