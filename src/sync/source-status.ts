import type { SyncProgress } from '../../connectors/connector.js';

/** Live state of one source's syncing, kept in memory by its runner (for status and metrics). */
export interface SourceStatus {
  readonly source: string;
  readonly running: boolean;
  readonly paused: boolean;
  readonly progress: SyncProgress | null;
  readonly lastFullAt: number | null;
  readonly nextRetryAt: number | null;
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
}
