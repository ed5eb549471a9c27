import type { ConnectorLog } from '../connector.js';
import type { EntraOptions } from './config.js';
import type { TokenSource } from './credentials.js';
import { DeltaResetError, EntraSourceError, describeError } from './errors.js';
import type { RunMonitor } from './run-monitor.js';

/** The HTTP call Graph requests go through: `fetch` in production, a URL-rewriting one in tests. */
export type GraphFetch = (url: string, init: RequestInit) => Promise<Response>;

/** A Graph object or page as parsed JSON. */
export type GraphJson = Record<string, unknown>;

/** Error codes Graph uses when a delta (or skip) token can no longer be continued. */
const RESET_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid', 'resyncapplicationrequired', 'resyncapplicationnotrequired']);
const RESET_MESSAGE = /(delta|sync|skip)\s*(token|state)/i;
const RETRIED = new Set([429, 500, 502, 503, 504]);

/** Graph answered 404 for one object (it was deleted since it was listed). */
export class GraphNotFound extends Error {}

/**
 * Plain-fetch Microsoft Graph reads with the source's token: every URL must stay on the
 * configured Graph endpoint (links from responses included, so the token never leaves it);
 * 429 / 5xx / network errors are retried in-run a bounded number of times, waiting for
 * Retry-After (reported as waits to the run monitor and the log); 410 Gone and expired delta
 * tokens surface as DeltaResetError; a 401 renews the token once.
 */
export class GraphClient {
  /** Graph requests sent (retries included), for stats and the benchmark. */
  requests = 0;

  constructor(
    private readonly sourceId: string,
    private readonly o: EntraOptions,
    private readonly tokens: TokenSource,
    private readonly log: ConnectorLog,
    private readonly fetchImpl: GraphFetch = (url, init) => fetch(url, init),
  ) {}

  /** The absolute URL of a Graph path (`/v1.0/users/delta?...`). */
  url(path: string): string {
    return this.o.graphEndpoint + path;
  }

  /** Whether a link (from a cursor or a response) points at the configured Graph endpoint. */
  onEndpoint(link: string): boolean {
    try {
      return new URL(link).origin.toLowerCase() === this.o.graphEndpoint;
    } catch {
      return false;
    }
  }

  async get(url: string, monitor: RunMonitor, signal: AbortSignal): Promise<GraphJson> {
    if (!this.onEndpoint(url)) {
      throw new EntraSourceError(this.sourceId, 'protocol', `refusing to send the Graph token to ${safeOrigin(url)}: links must stay on ${this.o.graphEndpoint}`);
    }
    let renewed = false;
    let fresh = false;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw this.aborted(signal);
      const token = await this.tokens.token(fresh);
      fresh = false;
      let res: Response;
      this.requests++;
      try {
        res = await this.fetchImpl(url, {
          method: 'GET',
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.o.requestTimeoutMs)]),
        });
      } catch (err) {
        if (signal.aborted) throw this.aborted(signal);
        if (attempt === 0 && !isTimeout(err)) {
          // Most often a pooled keep-alive connection the server closed while the run was idle:
          // a new connection, at once.
          this.log.debug({ source: this.sourceId, request: describePath(url), err: describeError(err) }, 'Microsoft Graph connection failed; retrying at once');
          continue;
        }
        await this.retryOrThrow(attempt, null, `no answer from Microsoft Graph (${describeError(err)})`, 'unavailable', url, monitor, signal);
        continue;
      }
      if (res.ok) {
        try {
          return (await res.json()) as GraphJson;
        } catch (err) {
          if (signal.aborted) throw this.aborted(signal);
          await this.retryOrThrow(attempt, null, `unreadable answer from Microsoft Graph (${describeError(err)})`, 'unavailable', url, monitor, signal);
          continue;
        }
      }
      const body = await readError(res);
      if (res.status === 401 && !renewed) {
        renewed = fresh = true;
        this.log.info({ source: this.sourceId, code: body.code }, 'Microsoft Graph refused the access token; renewing it');
        continue;
      }
      if (res.status === 410) throw new DeltaResetError(`410 Gone${body.code ? ` (${body.code})` : ''}`, res.headers.get('location'));
      if (res.status === 400 && (RESET_CODES.has(body.code.toLowerCase()) || RESET_MESSAGE.test(body.message))) {
        throw new DeltaResetError(`${body.code || 'HTTP 400'}: ${body.message}`, res.headers.get('location'));
      }
      if (res.status === 404) throw new GraphNotFound(`${body.code}: ${body.message}`);
      if (RETRIED.has(res.status)) {
        const fault = res.status === 429 ? 'throttled' : 'unavailable';
        await this.retryOrThrow(attempt, res.headers.get('retry-after'), `Microsoft Graph answered ${res.status}${body.code ? ` ${body.code}` : ''}`, fault, url, monitor, signal);
        continue;
      }
      const what = `${res.status}${body.code ? ` ${body.code}` : ''}${body.message ? `: ${body.message}` : ''}`;
      if (res.status === 401 || res.status === 403) {
        throw new EntraSourceError(
          this.sourceId,
          'permissions',
          `Microsoft Graph refused ${describePath(url)} (${what}). The app needs the application permissions User.Read.All, GroupMember.Read.All` +
            ` (and Application.Read.All for service principals and app roles), with admin consent`,
        );
      }
      throw new EntraSourceError(this.sourceId, 'protocol', `Microsoft Graph refused ${describePath(url)} (${what})`);
    }
  }

  /** Waits before the next attempt (Retry-After, else jittered doubling), or throws when out of attempts. */
  private async retryOrThrow(
    attempt: number,
    retryAfter: string | null,
    what: string,
    fault: 'throttled' | 'unavailable',
    url: string,
    monitor: RunMonitor,
    signal: AbortSignal,
  ): Promise<void> {
    if (attempt >= this.o.maxRetries) {
      throw new EntraSourceError(this.sourceId, fault, `${what} for ${describePath(url)}; gave up after ${attempt + 1} attempts (the run will be retried)`);
    }
    const asked = parseRetryAfter(retryAfter, Date.now());
    const waitMs = asked ?? Math.min(this.o.maxRetryWaitMs, Math.round(1000 * 2 ** attempt * (0.75 + Math.random() * 0.5)));
    if (waitMs > this.o.maxRetryWaitMs) {
      throw new EntraSourceError(this.sourceId, fault, `${what} for ${describePath(url)} with Retry-After ${Math.ceil(waitMs / 1000)} s, longer than maxRetryWait (the run will be retried)`);
    }
    const note = `${what}; waiting ${(waitMs / 1000).toFixed(1)} s${asked !== null ? ' (Retry-After)' : ''} before retry ${attempt + 1}/${this.o.maxRetries}`;
    monitor.waited(waitMs, note);
    this.log.warn({ source: this.sourceId, request: describePath(url), waitMs, attempt: attempt + 1, throttled: fault === 'throttled' }, note);
    await sleep(waitMs, signal).catch(() => {
      throw this.aborted(signal);
    });
  }

  private aborted(signal: AbortSignal): EntraSourceError {
    return new EntraSourceError(this.sourceId, 'aborted', `run cancelled (${describeError(signal.reason)})`);
  }
}

const isTimeout = (err: unknown): boolean => err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');

/** Retry-After as ms: delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

async function readError(res: Response): Promise<{ code: string; message: string }> {
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    return { code: typeof body.error?.code === 'string' ? body.error.code : '', message: typeof body.error?.message === 'string' ? body.error.message : '' };
  } catch {
    return { code: '', message: '' };
  }
}

/** The path of a Graph URL without its query (tokens live in the query; they are not logged). */
export function describePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(invalid URL)';
  }
}

const safeOrigin = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
