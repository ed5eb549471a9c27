import { ResultCodeError } from 'ldapts';

export type LdapFault = 'credentials' | 'unreachable' | 'partial' | 'config' | 'server' | 'aborted';

/**
 * A failed LDAP run. The message names the source and what failed, never a secret; the core
 * records it as the source's last error and retries with backoff.
 */
export class LdapSourceError extends Error {
  constructor(
    readonly sourceId: string,
    readonly fault: LdapFault,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`LDAP source "${sourceId}": ${message}`, options);
    this.name = 'LdapSourceError';
  }
}

/** The LDAP result code of a server error, if it is one. */
export function resultCode(err: unknown): number | undefined {
  return err instanceof ResultCodeError ? err.code : undefined;
}

/** A one-line reason for logs and errors (socket errors name their code, AggregateErrors their parts). */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length) return [...new Set(err.errors.map(describeError))].join(', ');
  if (err instanceof ResultCodeError) {
    // ldapts appends " Code: 0x4" to the server's message, which is often empty.
    return err.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim() || err.name.replace(/Error$/, '');
  }
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const msg = err.message.replace(/\s+/g, ' ').trim();
    if (typeof code === 'string' && !msg.includes(code)) return msg ? `${code}: ${msg}` : code;
    return msg || err.name;
  }
  return String(err);
}
