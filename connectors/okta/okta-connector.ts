import type { ConnectorContext, PollConnector, SourceBatch, SyncRequest, SyncRun } from '../connector.js';
import { OktaApi } from './client.js';
import { systemClock, type Clock } from './clock.js';
import type { OktaOptions } from './config.js';
import { decodeCursor, encodeCursor, oktaTime, shapeOf, type OktaCursor } from './cursor.js';
import { deltaRun, type DeltaOutcome } from './delta-sync.js';
import { describeError, OktaSourceError, toSourceError } from './errors.js';
import { fullSnapshot } from './full-sync.js';
import { UserMapper } from './map-user.js';
import { RunProgress } from './progress.js';
import type { RunContext } from './run-context.js';

/** Test and benchmark seams; the daemon uses the defaults. */
export interface OktaConnectorDeps {
  readonly clock?: Clock;
  /** How often progress is logged during a run (ms). */
  readonly logEveryMs?: number;
}

/**
 * The `okta` poll connector. One SDK client per source, kept across runs (its OAuth token and the
 * rate limiter's knowledge of each bucket's window carry over). A run is full when asked, when
 * there is no usable cursor, or when the cursor is of another org or another option shape;
 * otherwise incremental. Reading starts when the applier starts consuming the batches; any
 * failure ends the batches with an OktaSourceError, so nothing of the run is committed.
 */
export class OktaConnector implements PollConnector {
  private readonly api: OktaApi;
  private readonly mapper: UserMapper;
  private readonly shape: string;
  private current: AbortController | null = null;

  constructor(
    readonly sourceId: string,
    private readonly o: OktaOptions,
    private readonly ctx: ConnectorContext,
    private readonly deps: OktaConnectorDeps = {},
  ) {
    this.api = new OktaApi(o, ctx, deps.clock ?? systemClock);
    this.mapper = new UserMapper(o);
    this.shape = shapeOf(o);
  }

  /** Request counts of the latest run (for tests and the benchmark). */
  get lastRunStats() {
    return this.api.executor.stats;
  }

  async sync(req: SyncRequest): Promise<SyncRun> {
    this.api.prepare();
    const previous = req.mode === 'incremental' ? decodeCursor(req.cursor) : null;
    const reason =
      req.mode === 'full'
        ? 'full run requested'
        : req.cursor === null
          ? 'no cursor yet'
          : previous === null
            ? 'cursor not understood'
            : previous.org !== this.o.orgUrl
              ? 'cursor of another org'
              : previous.shape !== this.shape
                ? 'options changed since the cursor was written'
                : null;
    const kind: 'full' | 'delta' = reason === null ? 'delta' : 'full';
    const abort = new AbortController();
    const onOuterAbort = (): void => abort.abort(req.signal.reason);
    if (req.signal.aborted) abort.abort(req.signal.reason);
    else req.signal.addEventListener('abort', onOuterAbort, { once: true });
    this.current?.abort(new Error('a newer run started'));
    this.current = abort;

    const progress = new RunProgress(this.sourceId, kind, req, this.ctx.log, this.deps.logEveryMs);
    const rc: RunContext = {
      sourceId: this.sourceId,
      api: this.api,
      o: this.o,
      mapper: this.mapper,
      progress,
      log: this.ctx.log,
      signal: abort.signal,
      delivered: new Set(),
    };
    const log = this.ctx.log;
    log.info({ source: this.sourceId, kind, reason: reason ?? `changes since ${previous!.since}` }, 'Okta sync started');
    const started = req.now();
    const outcome: DeltaOutcome = { logs: null };
    let cursor: string | null = null;
    const self = this;

    async function* batches(): AsyncGenerator<SourceBatch> {
      const executor = self.api.executor;
      executor.resetStats();
      executor.hooks = {
        signal: abort.signal,
        onWait: (w) => progress.onWait(w),
        onThrottled: (t) => progress.onThrottled(t),
        onRetry: (r) => log.warn({ source: self.sourceId, path: new URL(r.url).pathname, attempt: r.attempt, delayMs: r.delayMs, reason: r.reason }, 'Okta request failed; retrying'),
      };
      try {
        yield* kind === 'full' ? fullSnapshot(rc) : deltaRun(rc, previous!, outcome);
        const stats = executor.stats;
        const next: OktaCursor = {
          v: 1,
          org: self.o.orgUrl,
          shape: self.shape,
          since: oktaTime(stats.firstServerDate ?? started),
          logs: kind === 'delta' ? outcome.logs : null,
        };
        cursor = encodeCursor(next);
        log.info(
          {
            source: self.sourceId,
            kind,
            ms: req.now() - started,
            ...progress.counts,
            requests: stats.requests,
            byBucket: stats.byBucket,
            waits: progress.waits,
            waitedMs: Math.round(progress.waitedMs),
            throttled: stats.throttled,
            retries: stats.retries,
          },
          'Okta sync read',
        );
      } catch (err) {
        if (abort.signal.aborted && !(err instanceof OktaSourceError) && req.signal.aborted) {
          throw new OktaSourceError(self.sourceId, 'aborted', `run aborted: ${describeError(req.signal.reason)}`, { cause: err });
        }
        throw toSourceError(self.sourceId, self.o.auth.type, err);
      } finally {
        abort.abort(new Error('run ended'));
        req.signal.removeEventListener('abort', onOuterAbort);
        if (executor.hooks?.signal === abort.signal) executor.hooks = null;
        if (self.current === abort) self.current = null;
      }
    }
    return { kind, batches: batches(), cursor: () => cursor };
  }

  async close(): Promise<void> {
    this.current?.abort(new Error('connector closed'));
    this.current = null;
    this.api.executor.destroy();
  }
}
