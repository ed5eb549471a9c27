import { pino, type Logger, type DestinationStream } from 'pino';

/** Keys whose values are never logged, wherever they appear (two levels deep). */
export const REDACTED_KEYS = ['password', 'bindPassword', 'secret', 'clientSecret', 'token', 'apiToken', 'privateKey', 'authorization', 'cookie', 'bearer'];

/** JSON-lines logger (pino) with secrets redacted by key. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino(
    { level, base: { service: 'roster' }, redact: { paths, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export type { Logger };
