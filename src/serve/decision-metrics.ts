import type { MetricFamilyJson } from './metric-family-json.js';

/** Latency bucket bounds in seconds: tens of µs for in-memory answers, ms for durable log waits. */
const BOUNDS_S = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const;
const BOUNDS_MS = BOUNDS_S.map((s) => s * 1000);

export type DecisionResult = 'allow' | 'deny' | 'error';

/**
 * Counts and times every decision on the responder's hot path. prom-client's labelled `inc()` and
 * `observe()` hash their labels on every call (~0.4 µs each here); this keeps plain numbers (a
 * cached cell per result and reason, a bucket array) and builds the two metric families only
 * when scraped.
 */
export class DecisionMetrics {
  private readonly cells: Record<DecisionResult, Map<string, { n: number }>> = { allow: new Map(), deny: new Map(), error: new Map() };
  /** Per bucket (not cumulative); the last one is +Inf. */
  private readonly buckets = new Float64Array(BOUNDS_MS.length + 1);
  private sumMs = 0;
  private count = 0;

  record(result: DecisionResult, reason: string, ms: number): void {
    const cells = this.cells[result];
    const cell = cells.get(reason);
    if (cell) cell.n++;
    else cells.set(reason, { n: 1 });
    let i = 0;
    while (i < BOUNDS_MS.length && ms > BOUNDS_MS[i]!) i++;
    this.buckets[i]!++;
    this.sumMs += ms;
    this.count++;
  }

  families(): MetricFamilyJson[] {
    const counts = (Object.keys(this.cells) as DecisionResult[]).flatMap((result) =>
      [...this.cells[result]].map(([reason, cell]) => ({ value: cell.n, labels: { result, reason } })),
    );
    const name = 'roster_decision_duration_seconds';
    let cumulative = 0;
    const buckets = [...this.buckets].map((n, i) => {
      cumulative += n;
      return { value: cumulative, labels: { le: BOUNDS_S[i] ?? '+Inf' }, metricName: `${name}_bucket` };
    });
    return [
      { name: 'roster_decisions_total', help: 'Decisions answered, by result (allow, deny, error) and reason', type: 'counter', aggregator: 'sum', values: counts },
      {
        name,
        help: 'Time from receiving a valid decision request to its answer (incl. waiting for a durable decision log commit)',
        type: 'histogram',
        aggregator: 'sum',
        values: [...buckets, { value: this.sumMs / 1000, labels: {}, metricName: `${name}_sum` }, { value: this.count, labels: {}, metricName: `${name}_count` }],
      },
    ];
  }
}
