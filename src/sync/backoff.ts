/**
 * Jittered exponential backoff: the n-th consecutive failure waits between half and all of
 * min(max, initial * 2^(n-1)), so many sources failing together do not retry in lockstep.
 */
export function backoffDelay(failures: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}
