import type { Clock } from './clock.js';

/** What the limiter needs from a response's headers. */
export interface HeaderSource {
  get(name: string): string | null;
}

export interface RateLimitSettings {
  /** Share of each window left for other clients of the org (0..0.5). */
  readonly reserve: number;
  /** Below this share of a window's budget, the rest is spread evenly until the reset. */
  readonly slowdownBelow: number;
  /** Longest single wait for a reset; longer means the headers or clocks are off: fail. */
  readonly maxWaitMs: number;
  /** Added to every wait for a reset (Okta's reset is whole seconds; clocks are not perfect). */
  readonly marginMs?: number;
}

/** One wait the limiter imposed (for progress and logs). */
export interface RateLimitWait {
  readonly bucket: string;
  readonly ms: number;
  readonly reason: 'window' | 'pace' | 'first-response';
  readonly limit: number | null;
  readonly remaining: number | null;
  /** The window waited for (server epoch ms), for 'window' waits. */
  readonly resetAt: number | null;
}

interface Bucket {
  /** X-Rate-Limit-Limit of the latest window seen. */
  limit: number | null;
  /** Lowest X-Rate-Limit-Remaining seen for `resetAt`'s window (or the full limit after a rollover). */
  remaining: number | null;
  /** End of the current window, server epoch ms; null = not known yet (no response since the rollover). */
  resetAt: number | null;
  /** Requests granted and not yet settled. */
  inFlight: number;
  /** While slowing down: the earliest server time of the next request. */
  nextPaceAt: number;
  /** Callers waiting for a response to arrive (unknown budget). */
  waiters: (() => void)[];
}

export class RateLimitExceededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RateLimitExceededError';
  }
}

/**
 * Per-bucket request budgets learnt from Okta's X-Rate-Limit-Limit/-Remaining/-Reset headers.
 * A request is granted only while `remaining − in flight − reserve > 0`; otherwise it waits for
 * the window's reset. Near the end of a budget the remaining requests are spread evenly until
 * the reset instead of bursting to zero. A bucket never heard of gets one request at a time until
 * its first response tells the budget. Times are the server's: the clock offset is bounded from
 * the Date headers, so waits end after Okta's reset, never before.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** Lower bound of (server clock − local clock), ms; null until a Date header was seen. */
  private offset: number | null = null;

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly clock: Clock,
  ) {}

  /** The server's time as far as we can tell, never ahead of it (by more than local jitter). */
  serverNow(): number {
    return this.clock.now() + (this.offset ?? 0);
  }

  /** Learns the clock offset from a response's Date header (whole seconds, so a lower bound). */
  observeDate(date: string | null, receivedAt: number): void {
    if (!date) return;
    const server = Date.parse(date);
    if (Number.isNaN(server)) return;
    const sample = server - receivedAt;
    // Only raise the bound: samples just after a server second ticks are the tight ones.
    // A jump of more than a minute means the local clock was stepped: start over.
    if (this.offset === null || sample > this.offset || this.offset - sample > 60_000) this.offset = sample;
  }

  /**
   * Waits until the bucket has budget, then counts one request in flight. Every grant must be
   * followed by exactly one `settle`.
   */
  async acquire(bucket: string, signal: AbortSignal | undefined, onWait: (w: RateLimitWait) => void): Promise<void> {
    const b = this.bucket(bucket);
    for (;;) {
      signal?.throwIfAborted();
      const now = this.serverNow();
      if (b.resetAt !== null && now >= b.resetAt) {
        // The window rolled over: the full budget again, until a response says otherwise.
        b.remaining = b.limit;
        b.resetAt = null;
        b.nextPaceAt = 0;
      }
      if (b.limit === null || b.remaining === null) {
        if (b.inFlight === 0) break;
        await this.waitForResponse(b, bucket, signal, onWait);
        continue;
      }
      const reserve = Math.ceil(b.limit * this.settings.reserve);
      const budget = b.remaining - b.inFlight - reserve;
      if (budget <= 0) {
        if (b.resetAt === null) {
          await this.waitForResponse(b, bucket, signal, onWait);
          continue;
        }
        const ms = b.resetAt - now + (this.settings.marginMs ?? 25);
        if (ms > this.settings.maxWaitMs) {
          throw new RateLimitExceededError(
            `the ${bucket} rate-limit window resets in ${Math.round(ms / 1000)}s, longer than rateLimit.maxWait (${Math.round(this.settings.maxWaitMs / 1000)}s)`,
          );
        }
        onWait({ bucket, ms, reason: 'window', limit: b.limit, remaining: b.remaining, resetAt: b.resetAt });
        await this.clock.sleep(ms, signal);
        continue;
      }
      if (b.resetAt !== null && b.remaining - b.inFlight <= this.settings.slowdownBelow * b.limit) {
        if (now < b.nextPaceAt) {
          const ms = b.nextPaceAt - now;
          onWait({ bucket, ms, reason: 'pace', limit: b.limit, remaining: b.remaining, resetAt: b.resetAt });
          await this.clock.sleep(ms, signal);
          continue;
        }
        b.nextPaceAt = now + (b.resetAt - now) / budget;
      }
      break;
    }
    b.inFlight++;
  }

  /**
   * Ends a granted request. With the response's headers, the bucket learns its budget; a 429
   * (remaining 0) makes every later request of the bucket wait for the reset.
   */
  settle(bucket: string, headers: HeaderSource | null): void {
    const b = this.bucket(bucket);
    b.inFlight = Math.max(0, b.inFlight - 1);
    if (headers) this.learn(b, headers);
    const waiters = b.waiters.splice(0);
    for (const w of waiters) w();
  }

  /** The reset of a 429's window (server epoch ms), if the headers tell it. */
  resetOf(headers: HeaderSource): number | null {
    const reset = Number(headers.get('x-rate-limit-reset'));
    return Number.isFinite(reset) && reset > 0 && !String(headers.get('x-rate-limit-reset')).includes(',') ? reset * 1000 : null;
  }

  /** A snapshot for status output and tests. */
  state(bucket: string): { limit: number | null; remaining: number | null; resetAt: number | null; inFlight: number } {
    const b = this.bucket(bucket);
    return { limit: b.limit, remaining: b.remaining, resetAt: b.resetAt, inFlight: b.inFlight };
  }

  private learn(b: Bucket, headers: HeaderSource): void {
    const limit = Number(headers.get('x-rate-limit-limit'));
    const remaining = Number(headers.get('x-rate-limit-remaining'));
    const resetAt = this.resetOf(headers);
    if (!Number.isFinite(limit) || !Number.isFinite(remaining) || resetAt === null || headers.get('x-rate-limit-limit') === null) return;
    if (b.resetAt === null || resetAt > b.resetAt) {
      // A newer window (or the first we hear of): take its numbers as they are.
      if (resetAt <= this.serverNow()) return; // a late answer from a window already over
      b.limit = limit;
      b.remaining = remaining;
      b.resetAt = resetAt;
      b.nextPaceAt = 0;
    } else if (resetAt === b.resetAt) {
      b.limit = limit;
      b.remaining = Math.min(b.remaining ?? remaining, remaining);
    }
    // resetAt < b.resetAt: an answer counted in an older window; nothing to learn.
  }

  private bucket(name: string): Bucket {
    let b = this.buckets.get(name);
    if (!b) this.buckets.set(name, (b = { limit: null, remaining: null, resetAt: null, inFlight: 0, nextPaceAt: 0, waiters: [] }));
    return b;
  }

  private waitForResponse(b: Bucket, bucket: string, signal: AbortSignal | undefined, onWait: (w: RateLimitWait) => void): Promise<void> {
    const started = this.clock.now();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      b.waiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        const ms = this.clock.now() - started;
        if (ms > 0) onWait({ bucket, ms, reason: 'first-response', limit: b.limit, remaining: b.remaining, resetAt: null });
        resolve();
      });
    });
  }
}
