import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SourceBatch } from '../model/source-delta.js';
import type { RoleStore } from '../store/role-store.js';
import type { SyncObserver, SyncOutcome } from '../sync/sync-observer.js';
import { collectMetrics } from './collect-metrics.js';
import type { MetricFamilyJson } from './metric-family-json.js';

/** What the provider's metrics read about the configured sources (follows config reloads). */
export interface MetricsSource {
  readonly id: string;
  readonly enabled: boolean;
  /** ms */
  readonly maxStaleness: number;
}

const OUTCOMES: readonly SyncOutcome[] = ['applied', 'unchanged', 'failed'];

/**
 * The provider's (daemon process's) metrics: sync runs as their runners report them, per-source
 * freshness and the latest role-state version read from the store at scrape time, and the process
 * defaults (labelled process="daemon"). `exposition()` merges in the responder's families.
 */
export class ProviderMetrics implements SyncObserver {
  private readonly registry = new Registry();
  private readonly runs: Counter<'source' | 'result'>;
  private readonly duration: Histogram<'source'>;
  private readonly items: Counter<'source'>;
  private readonly waits: Counter<'source'>;
  private readonly waited: Counter<'source'>;
  private readonly running: Gauge<'source'>;
  private readonly responderUp: Gauge;
  /** Rate-limit waits reported so far in each source's run in flight (progress is cumulative per run). */
  private readonly waitsSoFar = new Map<string, { waits: number; waitedMs: number }>();

  constructor(store: Pick<RoleStore, 'syncStates' | 'history'>, sources: () => readonly MetricsSource[], now: () => number = Date.now) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, labels: { process: 'daemon' } });
    this.runs = new Counter({ name: 'roster_sync_runs_total', help: 'Sync runs of poll sources, by result (applied, unchanged, failed)', labelNames: ['source', 'result'], registers });
    this.duration = new Histogram({
      name: 'roster_sync_duration_seconds',
      help: 'Duration of sync runs (connector read, resolve, commit), successful or not',
      labelNames: ['source'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.items = new Counter({
      name: 'roster_sync_items_total',
      help: 'Objects delivered by connectors: accounts, groups, memberships and removals',
      labelNames: ['source'],
      registers,
    });
    this.waits = new Counter({ name: 'roster_sync_rate_limit_waits_total', help: 'Rate-limit waits reported by connectors (windows waited for)', labelNames: ['source'], registers });
    this.waited = new Counter({ name: 'roster_sync_rate_limit_wait_seconds_total', help: 'Time syncs were held back by rate limits', labelNames: ['source'], registers });
    this.running = new Gauge({ name: 'roster_sync_running', help: '1 while a sync run of the source is in flight', labelNames: ['source'], registers });
    this.responderUp = new Gauge({ name: 'roster_responder_up', help: '1 if the decision responder answered this scrape', registers });
    new Gauge({
      name: 'roster_role_state_version',
      help: 'The latest committed role-state version (0: none yet)',
      registers,
      collect() {
        this.set(store.history.latestVersion()?.id ?? 0);
      },
    });
    // Freshness is read at scrape time: staleness keeps growing between runs.
    const enabled = (): MetricsSource[] => sources().filter((s) => s.enabled);
    const lastSuccess = (): Map<string, number | null> => new Map(store.syncStates().map((s) => [s.source, s.lastSuccessAt]));
    new Gauge({
      name: 'roster_source_staleness_seconds',
      help: 'Seconds since the source last synced successfully (+Inf: never)',
      labelNames: ['source'],
      registers,
      collect() {
        this.reset();
        const last = lastSuccess();
        const t = now();
        for (const s of enabled()) {
          const at = last.get(s.id) ?? null;
          this.set({ source: s.id }, at === null ? Infinity : Math.max(0, t - at) / 1000);
        }
      },
    });
    new Gauge({
      name: 'roster_source_max_staleness_seconds',
      help: "The source's configured maxStaleness: older data fails decisions closed (stale_snapshot)",
      labelNames: ['source'],
      registers,
      collect() {
        this.reset();
        for (const s of enabled()) this.set({ source: s.id }, s.maxStaleness / 1000);
      },
    });
    new Gauge({
      name: 'roster_source_consecutive_failures',
      help: 'Failed sync attempts of the source since its last success',
      labelNames: ['source'],
      registers,
      collect() {
        this.reset();
        const failures = new Map(store.syncStates().map((s) => [s.source, s.consecutiveFailures]));
        for (const s of enabled()) this.set({ source: s.id }, failures.get(s.id) ?? 0);
      },
    });
  }

  runStarted(source: string): void {
    // Every series exists from the first run on, so rate() and absent() see zeros, not gaps.
    for (const result of OUTCOMES) this.runs.inc({ source, result }, 0);
    this.items.inc({ source }, 0);
    this.waits.inc({ source }, 0);
    this.waited.inc({ source }, 0);
    this.waitsSoFar.set(source, { waits: 0, waitedMs: 0 });
    this.running.set({ source }, 1);
  }

  progress(source: string, p: { readonly waits?: number; readonly waitedMs?: number }): void {
    const seen = this.waitsSoFar.get(source);
    if (!seen) return;
    const waits = p.waits ?? 0;
    const waitedMs = p.waitedMs ?? 0;
    if (waits > seen.waits) this.waits.inc({ source }, waits - seen.waits);
    if (waitedMs > seen.waitedMs) this.waited.inc({ source }, (waitedMs - seen.waitedMs) / 1000);
    this.waitsSoFar.set(source, { waits: Math.max(waits, seen.waits), waitedMs: Math.max(waitedMs, seen.waitedMs) });
  }

  batch(source: string, b: SourceBatch): void {
    const n =
      (b.accounts?.length ?? 0) +
      (b.groups?.length ?? 0) +
      (b.memberships?.length ?? 0) +
      (b.removedAccounts?.length ?? 0) +
      (b.removedGroups?.length ?? 0) +
      (b.removedMemberships?.length ?? 0) +
      (b.replaceMembers?.reduce((sum, r) => sum + r.members.length, 0) ?? 0);
    if (n > 0) this.items.inc({ source }, n);
  }

  runFinished(source: string, outcome: SyncOutcome, seconds: number): void {
    this.runs.inc({ source, result: outcome });
    this.duration.observe({ source }, seconds);
    this.running.set({ source }, 0);
    this.waitsSoFar.delete(source);
  }

  /** The Prometheus text exposition of this process and, when it answered, the responder. */
  async exposition(responder: readonly MetricFamilyJson[] | null): Promise<string> {
    this.responderUp.set(responder ? 1 : 0);
    // prom-client types `type` as a numeric enum; at run time it is the string ("counter", ...).
    const own = (await this.registry.getMetricsAsJSON()) as unknown as MetricFamilyJson[];
    return collectMetrics(responder ? [own, responder] : [own]);
  }
}
