import { z } from 'zod';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `500ms`, `30s`, `15m`, `1h`, `7d` (or a number of seconds) into milliseconds. */
export function parseDuration(input: string | number): number | null {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input * 1000 : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(input);
  return m ? Number(m[1]) * UNITS[m[2]!]! : null;
}

/** A zod field for durations; the parsed value is milliseconds. */
export const durationSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like "30s", "15m", "1h" or a number of seconds, found ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
});
