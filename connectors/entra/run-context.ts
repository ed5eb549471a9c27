import type { ConnectorLog } from '../connector.js';
import type { EntraOptions } from './config.js';
import type { GraphClient } from './graph-client.js';
import type { DirectoryMirror } from './records.js';
import type { RunMonitor } from './run-monitor.js';

/** What the parts of one run share. */
export interface RunContext {
  readonly sourceId: string;
  readonly o: EntraOptions;
  readonly client: GraphClient;
  readonly monitor: RunMonitor;
  readonly signal: AbortSignal;
  readonly log: ConnectorLog;
  readonly mirror: DirectoryMirror;
  /**
   * Objects reported gone (hard-deleted) in this run. Group delta rounds do not report the
   * membership removals a deletion causes, and may still list an earlier addition: membership
   * additions naming these are dropped, so no membership outlives its member.
   */
  readonly gone: Set<string>;
  /** Counters for the run's closing log line. */
  readonly stats: RunStats;
}

export interface RunStats {
  users: number;
  servicePrincipals: number;
  groups: number;
  memberChanges: number;
  removed: number;
  reread: number;
  appRoleAssignments: number;
}

export const emptyStats = (): RunStats => ({ users: 0, servicePrincipals: 0, groups: 0, memberChanges: 0, removed: 0, reread: 0, appRoleAssignments: 0 });

/** Objects per batch when a full round hands its snapshot over. */
export const FULL_CHUNK = 5_000;
export const MEMBERSHIP_CHUNK = 50_000;
