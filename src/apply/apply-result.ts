import type { ChangeSet } from '../model/change-set.js';
import type { RoleStateVersion } from '../model/role-state-version.js';
import type { Conflict } from '../resolve/conflict.js';

export interface ApplyResult {
  readonly source: string;
  /** The committed version, or null when nothing changed (or on a dry run). */
  readonly version: RoleStateVersion | null;
  /** The change set that was (or, on a dry run, would have been) committed. */
  readonly changes: ChangeSet;
  readonly conflicts: readonly Conflict[];
  readonly dryRun: boolean;
}
