export type OktaFault = 'credentials' | 'permission' | 'rate-limit' | 'unreachable' | 'server' | 'protocol' | 'config' | 'aborted';

/**
 * A failed Okta run. The message names the source and what failed, never a secret; the core
 * records it as the source's last error, keeps the last good state and retries with backoff.
 */
export class OktaSourceError extends Error {
  constructor(
    readonly sourceId: string,
    readonly fault: OktaFault,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Okta source "${sourceId}": ${message}`, options);
    this.name = 'OktaSourceError';
  }
}

/** What an error thrown by the SDK's Http layer tells: the HTTP status and Okta's error summary. */
export interface HttpFailure {
  readonly status: number;
  readonly code: string | null;
  readonly summary: string | null;
  readonly url: string | null;
}

/** The HTTP failure behind an SDK error (OktaApiError / HttpError both carry `status`), if any. */
export function httpFailure(err: unknown): HttpFailure | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { status?: unknown; errorCode?: unknown; errorSummary?: unknown; message?: unknown; url?: unknown };
  if (typeof e.status !== 'number') return null;
  return {
    status: e.status,
    code: typeof e.errorCode === 'string' ? e.errorCode : null,
    summary: typeof e.errorSummary === 'string' && e.errorSummary ? e.errorSummary : null,
    url: typeof e.url === 'string' ? e.url : null,
  };
}

/** A one-line reason for logs and errors. */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) return [...new Set(err.errors.map(describeError))].join(', ');
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const msg = err.message.replace(/\s+/g, ' ').trim();
    if (typeof code === 'string' && !msg.includes(code)) return msg ? `${code}: ${msg}` : code;
    return msg || err.name;
  }
  return String(err);
}

/** Strips the query (filters, cursors) from a URL for messages: the path says enough. */
export const pathOf = (url: string | null): string => {
  if (!url) return '?';
  try {
    return new URL(url).pathname;
  } catch {
    return url.split('?')[0] ?? url;
  }
};

/**
 * Turns whatever a request threw into an OktaSourceError that says what to do: a 401 is an
 * invalid or expired credential, a 403 a missing scope or admin role, anything else as it came.
 */
export function toSourceError(sourceId: string, authKind: 'apiToken' | 'privateKey', err: unknown): OktaSourceError {
  if (err instanceof OktaSourceError) return err;
  const f = httpFailure(err);
  if (f) {
    const okta = [f.code, f.summary].filter(Boolean).join(' ');
    const what = `${pathOf(f.url)} answered ${f.status}${okta ? ` (${okta})` : ''}`;
    if (f.status === 401) {
      const fix =
        authKind === 'apiToken'
          ? 'the API token is invalid, expired or revoked (Okta expires tokens unused for 30 days); create a new token and update the secret'
          : 'the service app credentials were rejected (client id, key, kid or an expired/revoked token); check the app and its public key in Okta';
      return new OktaSourceError(sourceId, 'credentials', `authentication failed: ${what}; ${fix}`, { cause: err });
    }
    if (f.status === 403) {
      const fix =
        authKind === 'apiToken'
          ? 'the token’s admin lacks read access to users/groups (or the System Log)'
          : 'the service app lacks a granted scope (okta.users.read, okta.groups.read, okta.logs.read for the System Log) or an admin role';
      return new OktaSourceError(sourceId, 'permission', `permission denied: ${what}; ${fix}`, { cause: err });
    }
    if (f.status === 429) return new OktaSourceError(sourceId, 'rate-limit', `rate limited: ${what}`, { cause: err });
    if (f.status >= 500) return new OktaSourceError(sourceId, 'server', `${what} after retries`, { cause: err });
    return new OktaSourceError(sourceId, 'protocol', what, { cause: err });
  }
  const message = describeError(err);
  if (err instanceof Error && err.name === 'RateLimitExceededError') return new OktaSourceError(sourceId, 'rate-limit', message, { cause: err });
  if (/private key|JWK|PEM|Key type/i.test(message)) return new OktaSourceError(sourceId, 'config', `cannot use the private key: ${message}`, { cause: err });
  return new OktaSourceError(sourceId, 'unreachable', message, { cause: err });
}
