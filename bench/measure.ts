/** Small timing helpers for benchmarks: wall time, peak RSS, percentiles. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

export const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

export function percentiles(samplesNs: readonly number[]): { p50: number; p99: number; max: number } {
  const s = [...samplesNs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! };
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
