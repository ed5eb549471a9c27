import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DecisionLogWriter } from '../audit/decision-log-writer.js';
import { DecisionMetrics } from './decision-metrics.js';
import type { DecisionService } from './decision-service.js';
import type { MetricFamilyJson } from './metric-family-json.js';

/**
 * The decision responder's metrics: decisions (counted on the hot path by DecisionMetrics), the
 * version the index answers from, the decision log's queue and commits, and the process defaults
 * (labelled process="responder"). The daemon asks for them over IPC and serves them merged with its own.
 */
export class ResponderMetrics {
  readonly decisions = new DecisionMetrics();
  private readonly registry = new Registry();

  constructor(service: DecisionService, writer: DecisionLogWriter | null) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, labels: { process: 'responder' } });
    service.metrics = this.decisions;
    new Gauge({
      name: 'roster_decision_index_version',
      help: 'The role-state version the decision responder answers from (0: none loaded)',
      registers,
      collect() {
        this.set(service.current().index?.roleStateVersion ?? 0);
      },
    });
    if (!writer) return;
    new Gauge({
      name: 'roster_decision_log_queue_depth',
      help: 'Decision records waiting for their group commit',
      registers,
      collect() {
        this.set(writer.queueDepth);
      },
    });
    new Gauge({
      name: 'roster_decision_log_failing',
      help: '1 while the last decision log commit failed (decisions are denied meanwhile)',
      registers,
      collect() {
        this.set(writer.stats.failing === null ? 0 : 1);
      },
    });
    const commitSeconds = new Histogram({
      name: 'roster_decision_log_commit_duration_seconds',
      help: 'Time to commit one batch of decision records (one SQLite transaction)',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    const records = new Counter({ name: 'roster_decision_log_records_total', help: 'Decision records committed to the decision log', registers });
    const failures = new Counter({ name: 'roster_decision_log_commit_failures_total', help: 'Decision log batch commits that failed', registers });
    let dropped = 0;
    new Counter({
      name: 'roster_decision_log_dropped_records_total',
      help: 'Answered (async) decision records dropped because the failing log held too many for retry',
      registers,
      collect() {
        const now = writer.stats.dropped;
        if (now > dropped) this.inc(now - dropped);
        dropped = now;
      },
    });
    // Once per batch (a few hundred a second at most), so prom-client's own bookkeeping is fine here.
    writer.onCommit = (n, ms, ok) => {
      if (!ok) return failures.inc();
      records.inc(n);
      commitSeconds.observe(ms / 1000);
    };
  }

  /** Every family, ready for JSON over IPC (non-finite values as strings). */
  async families(): Promise<MetricFamilyJson[]> {
    // prom-client types `type` as a numeric enum; at run time it is the string ("counter", ...).
    const own = (await this.registry.getMetricsAsJSON()) as unknown as MetricFamilyJson[];
    return [...own, ...this.decisions.families()].map((f) => ({
      ...f,
      values: f.values.map((v) => (typeof v.value === 'number' && !Number.isFinite(v.value) ? { ...v, value: String(v.value) } : v)),
    }));
  }
}
