import type { SyncProgress } from '../../connectors/connector.js';
import type { SourceBatch } from '../model/source-delta.js';

/** How a run ended: committed a version, found nothing to commit, or failed (nothing applied). */
export type SyncOutcome = 'applied' | 'unchanged' | 'failed';

/** What a source runner reports as it goes (the provider's metrics listen; see src/serve/provider-metrics.ts). */
export interface SyncObserver {
  runStarted(source: string): void;
  /** The connector's cumulative progress of the run in flight (items, rate-limit waits). */
  progress(source: string, progress: SyncProgress): void;
  /** A batch the applier is about to consume. */
  batch(source: string, batch: SourceBatch): void;
  runFinished(source: string, outcome: SyncOutcome, seconds: number): void;
}
