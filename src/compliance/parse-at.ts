import { RosterError } from '../errors/roster-error.js';

/** A TIME argument: ISO-8601 (`2026-01-31T12:00:00Z`, `2026-01-31`) or a version (`@1842`). */
export type TimeArg = { readonly version: number } | { readonly time: number };

export function parseTimeArg(input: string): TimeArg {
  const v = /^@(\d+)$/.exec(input.trim());
  if (v) return { version: Number(v[1]) };
  if (!/^\d{4}-\d{2}-\d{2}/.test(input.trim())) throw new RosterError('ROSTER_ERR_TIME_INVALID', { input });
  const t = Date.parse(input);
  if (Number.isNaN(t)) throw new RosterError('ROSTER_ERR_TIME_INVALID', { input });
  return { time: t };
}

/** `at` as the compliance queries take it: absent = now. */
export const atOf = (input: string | undefined | null, now: number = Date.now()): TimeArg => (input ? parseTimeArg(input) : { time: now });

/** A point in time that must be a time, not a version (search and export windows). */
export function instantOf(input: string | undefined | null): number | undefined {
  if (input === undefined || input === null) return undefined;
  const t = parseTimeArg(input);
  if ('version' in t) throw new RosterError('ROSTER_ERR_TIME_INVALID', { input });
  return t.time;
}
