import { AggregatorRegistry } from 'prom-client';
import type { MetricFamilyJson } from './metric-family-json.js';

/**
 * Merges the metric families of the daemon and the responder into one exposition (Prometheus text
 * format 0.0.4): one HELP/TYPE per family, as the format requires. Families are disjoint by name,
 * or by the `process` label (the process defaults), so nothing is actually combined: every series
 * is kept as it is ('first'), also those prom-client would drop when aggregating a cluster ('omit').
 * Values that came over IPC as strings (NaN, ±Infinity) become numbers again.
 */
export function collectMetrics(parts: readonly (readonly MetricFamilyJson[])[]): Promise<string> {
  const families = parts.map((part) =>
    part.map((f) => ({ ...f, aggregator: 'first', values: f.values.map((v) => (typeof v.value === 'string' ? { ...v, value: Number(v.value) } : v)) })),
  );
  return AggregatorRegistry.aggregate(families).metrics();
}
