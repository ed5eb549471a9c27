import { RosterError } from '../errors/roster-error.js';
import type { HistoryQueries } from '../store/history-queries.js';

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

/** The version a TIME names (the latest when absent); errors when there is none. */
export function versionFor(history: HistoryQueries, input: string | undefined): number {
  if (input === undefined) {
    const latest = history.latestVersion();
    if (!latest) throw new RosterError('ROSTER_ERR_VERSION_UNKNOWN', { at: 'now (the store is empty; run `roster sync`)' });
    return latest.id;
  }
  const arg = parseTimeArg(input);
  const version = 'version' in arg ? history.version(arg.version) : history.versionAt(arg.time);
  if (!version) throw new RosterError('ROSTER_ERR_VERSION_UNKNOWN', { at: input });
  return version.id;
}
