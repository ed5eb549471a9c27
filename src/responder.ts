/**
 * The composition root of the decision responder process. Like SSSD's responders it answers only
 * from what the provider (the daemon process: connectors + applier) has committed: it follows the
 * role store read-only, keeps the decision index in memory, and owns the decision log. Keeping
 * it in its own process means a long apply never stalls a decision, and its memory is the index,
 * not the sync caches.
 */
import type { DecisionServer } from './serve/decision-server.js';
import { ChainHeadSink } from './audit/chain-head-sink.js';
import { DecisionLogWriter } from './audit/decision-log-writer.js';
import { retentionCutoffs } from './compliance/apply-retention.js';
import { decisionSettingsOf } from './config/decision-settings-of.js';
import { parsePolicy } from './config/load-policy.js';
import type { RosterConfig } from './config/roster-config.js';
import type { Logger } from './log/create-logger.js';
import type { DecisionSettings } from './model/decision-settings.js';
import type { PolicyVersion } from './model/policy-version.js';
import type { CompiledPolicy } from './policy/compiled-policy.js';
import { withPolicy, type DecisionIndex } from './policy/decision-index.js';
import { EMPTY_POLICY } from './policy/empty-policy.js';
import { DEFAULT_AUTHZ_HEADERS } from './serve/authz-headers.js';
import { createDecisionServer } from './serve/decision-server.js';
import { DecisionService } from './serve/decision-service.js';
import { followIndex, loadIndex, rebuildInSlices, settleInSlices } from './serve/follow-role-store.js';
import { freshnessOf } from './serve/freshness-of.js';
import { listenUnixSocket } from './serve/listen-unix-socket.js';
import type { MetricFamilyJson } from './serve/metric-family-json.js';
import { restoreNormalPriority } from './serve/restore-normal-priority.js';
import { ResponderMetrics } from './serve/responder-metrics.js';
import { readiness } from './serve/readiness.js';
import { DecisionLogStore } from './store/decision-log-store.js';
import { DecisionLogWorker } from './store/decision-log-worker.js';
import { SqliteRoleStore } from './store/sqlite-role-store.js';
import type { SyncStateRow } from './store/sync-state-row.js';

/** How often the responder checks the store even without a notification from the provider. */
const POLL_MS = 1_000;
/**
 * An async decision log (nobody waits on its commits) runs its thread below the one answering
 * decisions, and its commits do not wait for fsync: during a 100k-user apply, one fsync per
 * batch on the disk the provider was writing kept that thread inside transactions for 26% of
 * the time (10.3 s of 39 s), against 5.5% without. Both took CPU and I/O from decisions.
 */
const ASYNC_LOG_NICE = 10;

export class Responder {
  private refreshing: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  private upkeep: NodeJS.Timeout[] = [];
  private headSink: ChainHeadSink | null = null;

  private constructor(
    private config: RosterConfig,
    private readonly log: Logger,
    private readonly store: SqliteRoleStore,
    private readonly decisionLog: DecisionLog | null,
    readonly service: DecisionService,
    private readonly server: DecisionServer,
    private policyHash: string,
    private settings: DecisionSettings,
    private readonly responderMetrics: ResponderMetrics,
  ) {}

  /**
   * Opens the store and the decision log, loads the index and listens. `onFatal`: the decision
   * log's worker thread died (decisions follow the audit-failure policy until a restart).
   */
  static async start(config: RosterConfig, log: Logger, onFatal: (err: Error) => void = () => undefined): Promise<Responder> {
    restoreNormalPriority(log);
    const store = SqliteRoleStore.openReadonly(config.store.path);
    let decisionLog: DecisionLog | null = null;
    try {
      if (config.decisionLog.mode !== 'off') {
        // This thread's connection reads the head and compacts; the worker's commits the batches.
        const logStore = DecisionLogStore.open(config.decisionLog.path);
        let worker: DecisionLogWorker;
        try {
          worker = await DecisionLogWorker.start(
            config.decisionLog.path,
            (err) => {
              log.error({ err: err.message }, 'the decision log worker died; decisions follow the audit-failure policy');
              onFatal(err);
            },
            config.decisionLog.mode === 'async' ? { nice: ASYNC_LOG_NICE, fsyncEachCommit: false } : {},
          );
        } catch (err) {
          logStore.close();
          throw err;
        }
        const writer = new DecisionLogWriter(worker, { mode: config.decisionLog.mode, windowMs: config.decisionLog.window, maxBatch: config.decisionLog.maxBatch }, (err) =>
          log.error({ err: err.message }, 'decision log commit failed; decisions are denied while it fails'),
        );
        decisionLog = { writer, worker, store: logStore };
      }
      const service = new DecisionService(decisionLog?.writer ?? null);
      service.onAuditFailure = config.decisionLog.onFailure;
      const metrics = new ResponderMetrics(service, decisionLog?.writer ?? null);
      const recorded = recordedConfig(store, config);
      const settings = recorded.settings;
      const { policy, hash } = compiledPolicy(recorded.policy, settings, log);
      service.swap(loadIndex(store.history, policy, settings));
      service.setFreshness(freshnessOf(settings, store.syncStates()));
      const server = createDecisionServer(service, {
        bodyLimit: config.listen.decision.bodyLimit,
        headers: { ...DEFAULT_AUTHZ_HEADERS, ...config.listen.decision.headers },
        readiness: () => {
          const { index, freshness } = service.current();
          return { ...readiness(index !== null, freshness, Date.now()), roleStateVersion: index?.roleStateVersion ?? 0, policyVersion: index?.policy.hash ?? '' };
        },
      });
      await listenUnixSocket(server, config.listen.decision.path, config.listen.decision.mode, config.listen.decision.group);
      const r = new Responder(config, log, store, decisionLog, service, server, hash, settings, metrics);
      r.timer = setInterval(() => void r.refresh(), POLL_MS);
      r.timer.unref();
      r.startLogUpkeep();
      log.info({ socket: config.listen.decision.path, version: service.current().index?.roleStateVersion, policy: hash }, 'decision responder listening');
      return r;
    } catch (err) {
      await decisionLog?.worker.close();
      decisionLog?.store.close();
      store.close();
      throw err;
    }
  }

  /**
   * Follows the store: new role-state versions, the policy and decision settings in force (as the
   * provider recorded them, so each decision names settings that are on record), source
   * freshness. Serialized.
   */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        try {
          const index = this.service.current().index!;
          // One snapshot: the settings, the policy, the version to follow to and the sync states
          // (freshness must never claim a sync the index does not contain).
          const recorded = recordedConfig(this.store, this.config);
          const { settings } = recorded;
          const hash = recorded.policy?.hash ?? EMPTY_POLICY.hash;
          const settingsChanged = !sameSettings(settings, this.settings);
          const policyChanged = hash !== this.policyHash;
          const compiled = settingsChanged || policyChanged ? compiledPolicy(recorded.policy, settings, this.log) : null;
          let next: DecisionIndex;
          if (compiled && settingsChanged && !sameRanks(settings.ranks, this.settings.ranks)) {
            // New ranks reorder every principal's roles: rebuilt on a copy in slices, up to the
            // version recorded with them, while this index keeps answering.
            next = await rebuildInSlices(this.store.history, index, compiled.policy, settings, recorded.version);
          } else {
            // The grants first, the policy and settings recorded with them then: one swap, so no
            // request sees a new policy with old grants (a reload commits them together).
            next = await followIndex(this.store.history, index, recorded.version);
            if (compiled) next = withPolicy(settingsChanged ? { ...next, settingsVersion: settings.version } : next, compiled.policy);
          }
          // The index and the freshness recorded with it in the same turn: a decision recorded
          // under the new settings version is judged by that version's staleness limits.
          if (next !== index || next.roleStateVersion !== index.roleStateVersion) this.service.swap(next);
          this.service.setFreshness(freshnessOf(settings, recorded.syncStates));
          if (compiled) {
            this.settings = settings;
            this.policyHash = compiled.hash;
            this.log.info({ policy: compiled.hash, settingsVersion: settings.version ?? null }, settingsChanged ? 'decision settings in force' : 'policy version in force');
          }
          // Then the entries staged for the version now answered are folded in (a decision reads the same).
          await settleInSlices(next);
        } catch (err) {
          this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'responder could not follow the store; serving the last good index');
        }
      } while (this.again);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * New configuration (SIGHUP in the provider): the ranks and limits the provider recorded with
   * it are taken up from the store; socket settings stay until restart.
   */
  async reload(config: RosterConfig): Promise<void> {
    await this.refreshing;
    this.config = config;
    return this.refresh();
  }

  /**
   * The decision log's upkeep: the chain head written outside the log on a schedule (so losing
   * the newest records is detectable) and retention. Both run between requests, briefly.
   */
  private startLogUpkeep(): void {
    const log = this.decisionLog;
    if (!log) return;
    const sinkOptions = this.config.decisionLog.headSink;
    if (sinkOptions) {
      const sink = new ChainHeadSink(sinkOptions, (err) => this.log.error({ err: err.message }, 'cannot write the decision log chain head'));
      this.headSink = sink;
      const timer = setInterval(() => sink.write(log.store.head(), Date.now()), sinkOptions.every);
      timer.unref();
      this.upkeep.push(timer);
    }
    if (this.config.retention.decisions !== undefined) {
      // One chunk per turn of the event loop: decisions keep being answered between chunks.
      const compact = (): void => {
        const now = Date.now();
        const cutoff = retentionCutoffs(this.config, now).decisionCutoff;
        if (cutoff === undefined) return;
        let removed = 0;
        const step = (): void => {
          if (this.stopping) return;
          try {
            const r = log.store.compact(cutoff, now, 1);
            removed += r.removed;
            if (r.more) return void setImmediate(step);
            if (removed) this.log.info({ removed }, 'decision log compacted');
          } catch (err) {
            this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'decision log compaction failed; will retry');
          }
        };
        step();
      };
      setImmediate(compact);
      const timer = setInterval(compact, this.config.retention.every);
      timer.unref();
      this.upkeep.push(timer);
    }
  }

  /** This process's metric families, for the daemon's scrape (asked over IPC). */
  metrics(): Promise<MetricFamilyJson[]> {
    return this.responderMetrics.families();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      for (const t of this.upkeep) clearInterval(t);
      await this.refreshing;
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeIdleConnections();
      });
      await this.decisionLog?.writer.close();
      await this.decisionLog?.worker.close();
      // The final head, after the last commit: a clean stop leaves nothing unrecorded.
      if (this.decisionLog) this.headSink?.write(this.decisionLog.store.head(), Date.now());
      this.decisionLog?.store.close();
      this.store.close();
      this.log.info({}, 'decision responder stopped');
    })();
    return this.stopping;
  }
}

/** The decision log: group commit (writer), its committing thread, and this thread's connection. */
interface DecisionLog {
  readonly writer: DecisionLogWriter;
  readonly worker: DecisionLogWorker;
  readonly store: DecisionLogStore;
}

/**
 * The decision settings and the policy the provider recorded last (the configured settings if it
 * never recorded any), read in one snapshot: a commit between two reads could pair old settings
 * with a new policy that names a role only the new ones have.
 */
const recordedConfig = (store: SqliteRoleStore, config: RosterConfig): { settings: DecisionSettings; policy: PolicyVersion | null; version: number; syncStates: SyncStateRow[] } =>
  store.db.transaction(() => ({
    settings: store.decisionSettings.latest() ?? decisionSettingsOf(config),
    policy: store.policies.current(),
    version: store.history.latestVersion()?.id ?? 0,
    syncStates: store.syncStates(),
  }))();

const sameRanks = (a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean => a.size === b.size && [...a].every(([role, rank]) => b.get(role) === rank);

const sameSettings = (a: DecisionSettings, b: DecisionSettings): boolean =>
  a.version !== undefined || b.version !== undefined ? a.version === b.version : JSON.stringify([...a.ranks, ...a.maxStaleness]) === JSON.stringify([...b.ranks, ...b.maxStaleness]);

/** A recorded policy compiled against the roles of the settings in force (none, or the empty one: deny everything). */
function compiledPolicy(pv: PolicyVersion | null, settings: DecisionSettings, log: Logger): { policy: CompiledPolicy; hash: string } {
  if (!pv || pv.hash === EMPTY_POLICY.hash) return { policy: EMPTY_POLICY, hash: EMPTY_POLICY.hash };
  try {
    return { policy: parsePolicy(pv.text, `policy ${pv.hash}`, new Set(settings.ranks.keys())).policy, hash: pv.hash };
  } catch (err) {
    log.error({ err: err instanceof Error ? err.message : String(err) }, 'the recorded policy does not compile against the recorded roles; denying everything');
    return { policy: EMPTY_POLICY, hash: EMPTY_POLICY.hash };
  }
}
