/**
 * What failed in an Entra run:
 * - credentials: the token endpoint refused the app (invalid_client, unknown app or tenant);
 * - permissions: Graph refused a read (403: a missing application permission or admin consent);
 * - throttled / unavailable: Graph or the token endpoint kept answering 429 / 5xx / nothing
 *   after the bounded in-run retries (the core retries the run with backoff);
 * - resync: a delta round was reset mid-way; the next run starts a fresh full round;
 * - protocol: an answer Roster does not understand, or a link that leaves the Graph endpoint;
 * - aborted: the run was cancelled (shutdown).
 */
export type EntraFault = 'credentials' | 'permissions' | 'throttled' | 'unavailable' | 'resync' | 'protocol' | 'config' | 'aborted';

/**
 * A failed Entra run. The message names the source and what failed, never a secret; the core
 * records it as the source's last error and retries with backoff. Nothing of the run is applied.
 */
export class EntraSourceError extends Error {
  constructor(
    readonly sourceId: string,
    readonly fault: EntraFault,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Entra source "${sourceId}": ${message}`, options);
    this.name = 'EntraSourceError';
  }

  /** Whether a later retry can succeed without an operator changing anything. */
  get transient(): boolean {
    return this.fault === 'throttled' || this.fault === 'unavailable' || this.fault === 'resync';
  }
}

/**
 * Graph said the delta state cannot be continued (410 Gone, syncStateNotFound, an expired delta
 * token): the stream must start a fresh initial round, from `location` when Graph gave one.
 */
export class DeltaResetError extends Error {
  constructor(
    readonly reason: string,
    readonly location: string | null,
  ) {
    super(`delta state reset: ${reason}`);
    this.name = 'DeltaResetError';
  }
}

/** A one-line reason for logs and errors (socket errors name their code). */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) return [...new Set(err.errors.map(describeError))].join(', ');
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const cause = err.cause instanceof Error ? ` (${describeError(err.cause)})` : '';
    const msg = err.message.replace(/\s+/g, ' ').trim();
    if (typeof code === 'string' && !msg.includes(code)) return (msg ? `${code}: ${msg}` : code) + cause;
    return (msg || err.name) + cause;
  }
  return String(err);
}
