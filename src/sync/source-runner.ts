import type { PollConnector, SyncProgress } from '../../connectors/connector.js';
import type { ApplyResult } from '../apply/apply-result.js';
import type { Applier } from '../apply/applier.js';
import type { Logger } from '../log/create-logger.js';
import type { RoleStore } from '../store/role-store.js';
import { backoffDelay } from './backoff.js';
import type { SourceStatus } from './source-status.js';
import type { SyncObserver } from './sync-observer.js';
import type { DeletionGuardSettings } from '../apply/deletion-guard.js';
import { RosterError } from '../errors/roster-error.js';

export interface RunOptions {
  readonly full?: boolean;
  readonly dryRun?: boolean;
  readonly acceptDeletions?: boolean;
}

export interface SourceRunnerSettings {
  readonly fullSyncEveryMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** The mass-deletion guard for this source's syncs (none: never held). */
  readonly deletionGuard?: DeletionGuardSettings;
}

/**
 * Runs one poll source: single-flight (a trigger while a run is going joins that run), full or
 * incremental as the cursor and the reconcile period say, failures recorded and retried with
 * jittered backoff. A failed run applies nothing; the last good state keeps serving.
 */
export class SourceRunner {
  private inFlight: Promise<ApplyResult> | null = null;
  private abort: AbortController | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private progress: SyncProgress | null = null;
  private lastFullAt: number | null = null;
  private failures = 0;
  private progressWrittenAt = 0;
  private lastError: string | null = null;
  private nextRetryAt: number | null = null;
  private stopped = false;
  paused = false;
  /** Called after every run, successful or not (freshness and metrics follow it). */
  onRunFinished: (() => void) | null = null;
  /** Sees every run, its progress and its batches (the daemon's metrics). */
  observer: SyncObserver | null = null;

  constructor(
    private readonly connector: PollConnector,
    private readonly applier: Applier,
    private readonly store: RoleStore,
    private readonly settings: SourceRunnerSettings,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get source(): string {
    return this.connector.sourceId;
  }

  /** Starts a run, or joins the one in flight. */
  run(opts: RunOptions = {}): Promise<ApplyResult> {
    if (this.inFlight) return this.inFlight;
    const run = this.runOnce(opts).finally(() => {
      this.inFlight = null;
      this.abort = null;
      this.onRunFinished?.();
    });
    this.inFlight = run;
    return run;
  }

  /** Runs with these options once the run in flight (if any) has ended, instead of joining it. */
  async runAfterCurrent(opts: RunOptions): Promise<ApplyResult> {
    await this.inFlight?.catch(() => undefined);
    return this.run(opts);
  }

  /** A scheduled tick: skipped while paused, stopped or already running. */
  tick(): void {
    if (this.paused || this.stopped || this.inFlight) return;
    this.run().catch(() => undefined);
  }

  status(): SourceStatus {
    return {
      source: this.source,
      running: this.inFlight !== null,
      paused: this.paused,
      progress: this.progress,
      lastFullAt: this.lastFullAt,
      nextRetryAt: this.nextRetryAt,
      consecutiveFailures: this.failures,
      lastError: this.lastError,
    };
  }

  /** Aborts a run in flight and cancels retries; resolves when the run has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.abort?.abort(new Error('shutting down'));
    await this.inFlight?.catch(() => undefined);
    await this.connector.close?.();
  }

  private async runOnce(opts: RunOptions): Promise<ApplyResult> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.nextRetryAt = null;
    this.abort = new AbortController();
    const started = this.now();
    const stored = this.store.syncStates().find((s) => s.source === this.source);
    const cursor = stored?.cursor ?? null;
    const full =
      opts.full === true || cursor === null || this.lastFullAt === null || started - this.lastFullAt >= this.settings.fullSyncEveryMs;
    this.progress = { items: 0 };
    const observer = this.observer;
    observer?.runStarted(this.source);
    this.log.info({ source: this.source, mode: full ? 'full' : 'incremental' }, 'sync started');
    try {
      const run = await this.connector.sync({
        cursor: full ? null : cursor,
        mode: full ? 'full' : 'incremental',
        signal: this.abort.signal,
        progress: (p) => {
          this.progress = p;
          observer?.progress(this.source, p);
          this.persistProgress(false);
        },
        now: this.now,
      });
      const result = await this.applier.apply({
        source: this.source,
        kind: run.kind,
        batches: observer ? observed(run.batches, (b) => observer.batch(this.source, b)) : run.batches,
        cursor: () => run.cursor(),
        trigger: 'sync',
        dryRun: opts.dryRun,
        acceptDeletions: opts.acceptDeletions,
        guard: opts.acceptDeletions ? undefined : this.settings.deletionGuard,
      });
      if (run.kind === 'full' && !opts.dryRun) this.lastFullAt = started;
      this.failures = 0;
      this.lastError = null;
      observer?.runFinished(this.source, result.version ? 'applied' : 'unchanged', (this.now() - started) / 1000);
      this.log.info(
        { source: this.source, version: result.version?.id ?? null, ms: this.now() - started, counts: result.version?.counts, conflicts: result.conflicts.length },
        result.version ? 'sync applied' : 'sync found no change',
      );
      return result;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.failures++;
      this.lastError = message;
      observer?.runFinished(this.source, 'failed', (this.now() - started) / 1000);
      if (!opts.dryRun) this.store.recordSyncFailure(this.source, message, this.now());
      // A guard's hold is a decision, not a fault: no fast retries; the schedule (or a release) comes back to it.
      const held = err instanceof RosterError && (err.code === 'ROSTER_ERR_SYNC_HELD' || err.code === 'ROSTER_ERR_SYNC_EMPTY_SNAPSHOT');
      if (!this.stopped && !opts.dryRun && !held) this.scheduleRetry();
      this.log.error({ source: this.source, err: message, failures: this.failures, retryAt: this.nextRetryAt }, 'sync failed; serving the last good state');
      throw err;
    } finally {
      this.progress = null;
      if (!opts.dryRun) this.persistProgress(true);
    }
  }

  /** Writes the live progress for `roster status`, at most every 2 s (and once when the run ends). */
  private persistProgress(final: boolean): void {
    const now = this.now();
    if (!final && now - this.progressWrittenAt < 2_000) return;
    this.progressWrittenAt = now;
    try {
      this.store.recordSyncProgress(this.source, this.progress ? JSON.stringify({ ...this.progress, at: now }) : null);
    } catch (err) {
      this.log.warn({ source: this.source, err: err instanceof Error ? err.message : String(err) }, 'could not record sync progress');
    }
  }

  private scheduleRetry(): void {
    const delay = backoffDelay(this.failures, this.settings.retryInitialMs, this.settings.retryMaxMs);
    this.nextRetryAt = this.now() + delay;
    this.retryTimer = setTimeout(() => this.tick(), delay);
    this.retryTimer.unref();
  }
}

/** Hands each batch to `see` as the applier pulls it. */
async function* observed<T>(batches: AsyncIterable<T>, see: (batch: T) => void): AsyncIterable<T> {
  for await (const batch of batches) {
    see(batch);
    yield batch;
  }
}
