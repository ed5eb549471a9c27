import { RosterError } from '../errors/roster-error.js';
import type { HistoryQueries } from '../store/history-queries.js';
import { parseTimeArg } from '../compliance/parse-at.js';

export { parseTimeArg, type TimeArg } from '../compliance/parse-at.js';

/** The moment a TIME names (ms): the time given, a version's commit, or now when absent. */
export function timeFor(history: HistoryQueries, input: string | undefined): number {
  if (input === undefined) return Date.now();
  const arg = parseTimeArg(input);
  if ('time' in arg) return arg.time;
  const version = history.version(arg.version);
  if (!version) throw new RosterError('ROSTER_ERR_VERSION_UNKNOWN', { at: input });
  return version.committedAt;
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
