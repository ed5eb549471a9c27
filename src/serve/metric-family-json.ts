/**
 * One metric family as prom-client's `registry.getMetricsAsJSON()` returns it, and what the
 * responder sends the daemon over IPC for a scrape. `value` is a string only on the wire, for
 * NaN and ±Infinity, which JSON cannot carry (`String(v)` there, `Number(s)` back).
 */
export interface MetricFamilyJson {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator: string;
  readonly values: readonly { readonly value: number | string; readonly labels: Readonly<Record<string, string | number>>; readonly metricName?: string }[];
}
