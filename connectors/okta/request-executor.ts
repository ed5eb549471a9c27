import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { RequestExecutor } from '@okta/okta-sdk-nodejs';
import { bucketOf } from './buckets.js';
import type { Clock } from './clock.js';
import { describeError } from './errors.js';
import { RateLimiter, type RateLimitWait } from './rate-limiter.js';

/** The node-fetch Response the SDK works with (only what is used here). */
interface FetchResponse {
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  buffer(): Promise<Buffer>;
}

/** The request options the SDK hands to its executor (node-fetch options plus the URL). */
interface ExecutorRequest {
  url?: string;
  method?: string;
  headers?: Record<string, unknown>;
  signal?: unknown;
  [k: string]: unknown;
}

export interface ExecutorSettings {
  readonly concurrency: number;
  readonly requestTimeoutMs: number;
  readonly retries: { readonly attempts: number; readonly initialDelayMs: number; readonly maxDelayMs: number };
  /** Give up on one request after this many 429s in a row (each one waited out first). */
  readonly max429?: number;
}

/** What one run wants to hear about while its requests are executed. */
export interface RunHooks {
  readonly signal: AbortSignal;
  onWait(w: RateLimitWait): void;
  onRetry(r: { url: string; attempt: number; delayMs: number; reason: string }): void;
  onThrottled(r: { url: string; bucket: string; resetInMs: number | null }): void;
}

export interface ExecutorStats {
  requests: number;
  byBucket: Record<string, number>;
  throttled: number;
  retries: number;
  /** The server time (from the Date header) of the first response since `resetStats`. */
  firstServerDate: number | null;
}

const RETRY_STATUS = new Set([500, 502, 503, 504]);

class RequestTimeoutError extends Error {
  constructor(ms: number) {
    super(`no complete response within ${ms} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/**
 * The SDK's request executor, replaced (the SDK is designed for that): every request the SDK
 * sends — API pages and the OAuth token request alike — passes the per-bucket rate limiter and a
 * concurrency gate, reads the whole body under one timeout, and is retried here on 429 (after
 * the window's reset), on 5xx and on timeouts/network errors (jittered exponential backoff).
 * What finally comes back is an ordinary response for the SDK's error handling.
 */
export class OktaRequestExecutor extends RequestExecutor {
  readonly limiter: RateLimiter;
  hooks: RunHooks | null = null;
  stats: ExecutorStats = emptyStats();
  private active = 0;
  private readonly gateQueue: (() => void)[] = [];
  /**
   * Kept-alive connections (node-fetch asks for `Connection: close` when given no agent: a TLS
   * handshake per request otherwise). A proxy agent the SDK sets (httpsProxy) is kept as it is.
   */
  private readonly agents: { http: HttpAgent; https: HttpsAgent };

  constructor(
    private readonly settings: ExecutorSettings,
    private readonly clock: Clock,
    limiter: RateLimiter,
  ) {
    super();
    this.limiter = limiter;
    const keep = { keepAlive: true, maxSockets: settings.concurrency, maxFreeSockets: settings.concurrency, scheduling: 'lifo' as const };
    this.agents = { http: new HttpAgent(keep), https: new HttpsAgent(keep) };
  }

  /** Closes the kept-alive connections. */
  destroy(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  resetStats(): ExecutorStats {
    const s = this.stats;
    this.stats = emptyStats();
    return s;
  }

  override async fetch(request: ExecutorRequest): Promise<FetchResponse> {
    const url = String(request.url ?? '');
    const bucket = bucketOf(url);
    const hooks = this.hooks;
    const signal = hooks?.signal;
    const onWait = (w: RateLimitWait): void => hooks?.onWait(w);
    let failures = 0;
    let throttled = 0;
    for (;;) {
      signal?.throwIfAborted();
      await this.limiter.acquire(bucket, signal, onWait);
      let res: FetchResponse;
      try {
        await this.enterGate(signal);
        try {
          res = await this.attempt(request, signal);
        } finally {
          this.leaveGate();
        }
      } catch (err) {
        this.limiter.settle(bucket, null);
        if (signal?.aborted) throw signal.reason;
        if (failures >= this.settings.retries.attempts) throw err;
        await this.backoff(url, ++failures, describeError(err), signal);
        continue;
      }
      this.stats.requests++;
      this.stats.byBucket[bucket] = (this.stats.byBucket[bucket] ?? 0) + 1;
      this.limiter.observeDate(res.headers.get('date'), this.clock.now());
      if (this.stats.firstServerDate === null) {
        const d = Date.parse(res.headers.get('date') ?? '');
        if (!Number.isNaN(d)) this.stats.firstServerDate = d;
      }
      this.limiter.settle(bucket, res.headers);
      if (res.status === 429) {
        this.stats.throttled++;
        const reset = this.limiter.resetOf(res.headers);
        hooks?.onThrottled({ url, bucket, resetInMs: reset === null ? null : reset - this.limiter.serverNow() });
        if (++throttled > (this.settings.max429 ?? 30)) return res;
        // With a reset header the limiter now holds the bucket until then; without one, back off.
        if (reset === null) await this.backoff(url, throttled, '429 without X-Rate-Limit-Reset', signal, false);
        continue;
      }
      if (RETRY_STATUS.has(res.status) && failures < this.settings.retries.attempts) {
        await this.backoff(url, ++failures, `HTTP ${res.status}`, signal);
        continue;
      }
      return res;
    }
  }

  /** One try: the response with its whole body read, all within the request timeout. */
  private async attempt(request: ExecutorRequest, runSignal: AbortSignal | undefined): Promise<FetchResponse> {
    const ac = new AbortController();
    const ms = this.settings.requestTimeoutMs;
    const timer = setTimeout(() => ac.abort(new RequestTimeoutError(ms)), ms);
    const onRunAbort = (): void => ac.abort(runSignal!.reason);
    runSignal?.addEventListener('abort', onRunAbort, { once: true });
    try {
      const agent = request.agent ?? ((u: URL) => (u.protocol === 'http:' ? this.agents.http : this.agents.https));
      const res = (await super.fetch({ ...request, agent, signal: ac.signal } as never)) as unknown as FetchResponse;
      const body = await res.buffer();
      // node-fetch's Response class, rebuilt around the body read here (the SDK reads it again).
      const Ctor = res.constructor as new (body: Buffer, init: object) => FetchResponse;
      return new Ctor(body, { url: res.url, status: res.status, statusText: res.statusText, headers: res.headers });
    } catch (err) {
      if (ac.signal.aborted && ac.signal.reason instanceof RequestTimeoutError) throw ac.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
      runSignal?.removeEventListener('abort', onRunAbort);
    }
  }

  private async backoff(url: string, attempt: number, reason: string, signal: AbortSignal | undefined, countRetry = true): Promise<void> {
    const { initialDelayMs, maxDelayMs } = this.settings.retries;
    const cap = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
    const delayMs = Math.round(cap / 2 + (Math.random() * cap) / 2);
    if (countRetry) this.stats.retries++;
    this.hooks?.onRetry({ url, attempt, delayMs, reason });
    await this.clock.sleep(delayMs, signal);
  }

  private enterGate(signal: AbortSignal | undefined): Promise<void> {
    if (this.active < this.settings.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.gateQueue.indexOf(grant);
        if (i >= 0) this.gateQueue.splice(i, 1);
        reject(signal!.reason);
      };
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.gateQueue.push(grant);
    });
  }

  private leaveGate(): void {
    const next = this.gateQueue.shift();
    if (next) next();
    else this.active--;
  }
}

function emptyStats(): ExecutorStats {
  return { requests: 0, byBucket: {}, throttled: 0, retries: 0, firstServerDate: null };
}
