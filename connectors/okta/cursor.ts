import { createHash } from 'node:crypto';
import type { OktaOptions } from './config.js';

/**
 * The cursor an Okta source hands back with each run: opaque to the core, JSON with a format
 * version here, committed in the same transaction as the run's data (a failed run keeps the old).
 *
 * - `since`: the server's time (Date header) when the run that produced it began; the next
 *   incremental run reads users and groups changed after `since − overlap`.
 * - `logs`: where System Log polling continues: the last `next` link (path and query), or null
 *   to start from `since − overlap`.
 * - `org` and `shape`: the org and a fingerprint of the options that shape the data; a cursor
 *   of another org or another shape means a full run.
 */
export interface OktaCursor {
  readonly v: 1;
  readonly org: string;
  readonly shape: string;
  readonly since: string;
  readonly logs: string | null;
}

export const encodeCursor = (c: OktaCursor): string => JSON.stringify(c);

/** The stored cursor, or null when there is none or it is not one this version understands. */
export function decodeCursor(raw: string | null): OktaCursor | null {
  if (!raw) return null;
  let c: unknown;
  try {
    c = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof c !== 'object' || c === null) return null;
  const x = c as Record<string, unknown>;
  if (x.v !== 1 || typeof x.org !== 'string' || typeof x.shape !== 'string' || typeof x.since !== 'string') return null;
  if (Number.isNaN(Date.parse(x.since))) return null;
  if (x.logs !== null && (typeof x.logs !== 'string' || !x.logs.startsWith('/api/v1/logs'))) return null;
  return { v: 1, org: x.org, shape: x.shape, since: x.since, logs: x.logs as string | null };
}

/** A fingerprint of the options that decide what the source's data looks like. */
export function shapeOf(o: OktaOptions): string {
  const shape = {
    statusMap: o.statusMap,
    attributes: o.profileAttributes,
    kind: o.accountKind,
    emailVerified: o.emailVerified,
    groupTypes: [...o.groupTypes].sort(),
    systemLog: o.systemLog,
    memberships: o.membershipsFrom,
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16);
}

/** Okta's timestamp format in filters: ISO 8601 with milliseconds, UTC. */
export const oktaTime = (ms: number): string => new Date(ms).toISOString();
