/**
 * The composition root: the only module (with src/cli) that wires config, store, applier,
 * connectors, scheduling and responders together.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import type { Server } from 'node:http';
import type { ConnectorContext, PollConnector, PushConnector } from '../connectors/connector.js';
import type { LoadedPolicy } from './config/load-policy.js';
import { activatePolicy, decisionConfigOf } from './activate-policy.js';
import { Applier } from './apply/applier.js';
import { loadConfig } from './config/load-config.js';
import { resolveRulesOf } from './config/resolve-rules-of.js';
import type { RosterConfig } from './config/roster-config.js';
import type { RoleStateVersion } from './model/role-state-version.js';
import { readSecret } from './config/secret-ref.js';
import { CONNECTOR_FACTORIES, optionsParserFor } from './connector-factories.js';
import { applyRetention } from './compliance/apply-retention.js';
import { ComplianceService } from './compliance/compliance-service.js';
import { RosterError } from './errors/roster-error.js';
import { EMPTY_POLICY } from './policy/empty-policy.js';
import type { Logger } from './log/create-logger.js';
import { createAdminServer } from './serve/admin-server.js';
import { lowerToBackgroundPriority } from './sync/background-priority.js';
import { askResponderMetrics } from './serve/ask-responder-metrics.js';
import { listenMetrics } from './serve/metrics-server.js';
import { listenUnixSocket } from './serve/listen-unix-socket.js';
import { ProviderMetrics } from './serve/provider-metrics.js';
import { notifySystemdReady } from './serve/notify-systemd.js';
import { DecisionLogStore } from './store/decision-log-store.js';
import { SourceControl } from './store/source-control.js';
import { SqliteRoleStore } from './store/sqlite-role-store.js';
import { backoffDelay } from './sync/backoff.js';
import { PushCoalescer } from './sync/push-coalescer.js';
import { SourceRunner } from './sync/source-runner.js';
import { SyncScheduler } from './sync/sync-scheduler.js';
import { RESPONDER_PROCESS } from './responder-process.js';

export const loadRosterConfig = (file: string): RosterConfig => loadConfig(file, optionsParserFor);

/** Store, applier and one runner per enabled poll source: what `roster sync` and the daemon share. */
export interface Runtime {
  readonly config: RosterConfig;
  readonly store: SqliteRoleStore;
  readonly applier: Applier;
  readonly runners: ReadonlyMap<string, SourceRunner>;
  readonly pushers: readonly PushConnector[];
  close(): Promise<void>;
}

export function createRuntime(config: RosterConfig, log: Logger, now: () => number = Date.now): Runtime {
  const store = SqliteRoleStore.openWritable(config.store.path);
  try {
    activatePolicy(config, store);
    const applier = new Applier(store, resolveRulesOf(config), now);
    const runners = new Map<string, SourceRunner>();
    const pushers: PushConnector[] = [];
    for (const source of config.sources) {
      if (!source.enabled) continue;
      const factory = CONNECTOR_FACTORIES[source.type];
      if (!factory) throw new RosterError('ROSTER_ERR_SOURCE_TYPE_UNKNOWN', { source: source.id, type: source.type, known: Object.keys(CONNECTOR_FACTORIES).join(', ') });
      const sourceLog = log.child({ source: source.id });
      const ctx: ConnectorContext = {
        sourceId: source.id,
        baseDir: config.baseDir,
        readSecret: (ref) => readSecret(ref, config.baseDir, `source "${source.id}"`),
        log: sourceLog,
      };
      const connector = factory.create(config.sourceOptions.get(source.id) as never, ctx);
      if (factory.kind === 'push') {
        pushers.push(connector as PushConnector);
      } else {
        const settings = { fullSyncEveryMs: source.fullSyncEvery, retryInitialMs: config.sync.retryInitial, retryMaxMs: config.sync.retryMax, deletionGuard: source.deletionGuard };
        runners.set(source.id, new SourceRunner(connector as PollConnector, applier, store, settings, sourceLog, now));
      }
    }
    return {
      config,
      store,
      applier,
      runners,
      pushers,
      async close() {
        await Promise.all([...runners.values()].map((r) => r.stop()));
        await Promise.all(pushers.map((p) => p.stop()));
        store.close();
      },
    };
  } catch (err) {
    store.close();
    throw err;
  }
}

/**
 * The daemon process is the provider: connectors, schedules, the applier, the writer of the role
 * store. It starts the decision responder (src/responder.ts) as a child process, tells it when
 * something was committed, forwards reloads, and restarts it if it dies.
 */
export class Daemon {
  private readonly scheduler = new SyncScheduler();
  private stopping: Promise<void> | null = null;
  private policy: LoadedPolicy | null = null;
  private watcher: FSWatcher | null = null;
  private admin: { server: Server; compliance: ComplianceService } | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private controlTimer: NodeJS.Timeout | null = null;
  private responder: ChildProcess | null = null;
  private responderRestarts = 0;
  private readonly providerMetrics: ProviderMetrics;
  private metricsServer: Server | null = null;

  private constructor(
    readonly runtime: Runtime,
    private config: RosterConfig,
    private readonly log: Logger,
  ) {
    this.providerMetrics = new ProviderMetrics(runtime.store, () => this.config.sources);
  }

  static async start(config: RosterConfig, log: Logger): Promise<Daemon> {
    const runtime = createRuntime(config, log);
    const daemon = new Daemon(runtime, config, log);
    try {
      daemon.policy = activatePolicy(config, runtime.store);
      // Rules may have changed since the last run: re-resolve before serving.
      const reresolved = await runtime.applier.setRules(resolveRulesOf(config));
      if (reresolved.version) log.info({ version: reresolved.version.id }, 'configuration changed role grants');
      runtime.applier.onCommit(() => daemon.notify('refresh'));
      for (const runner of runtime.runners.values()) {
        runner.onRunFinished = () => daemon.notify('refresh');
        runner.observer = daemon.providerMetrics;
      }
      await daemon.startResponder();
      lowerToBackgroundPriority(log);
      for (const pusher of runtime.pushers) {
        const coalescer = new PushCoalescer(runtime.applier, pusher.sourceId, 2, 1000, () => daemon.notify('refresh'));
        await pusher.start({ apply: (batch) => coalescer.apply(batch), view: () => runtime.applier.view(pusher.sourceId) });
      }
      daemon.scheduler.start(
        config.sources
          .filter((s) => runtime.runners.has(s.id))
          .map((s) => ({ runner: runtime.runners.get(s.id)!, schedule: s.schedule, firstDelayMs: s.firstDelay })),
      );
      daemon.watchPolicy();
      await daemon.startAdmin();
      if (config.listen.metrics) {
        const { host, port } = config.listen.metrics;
        daemon.metricsServer = await listenMetrics(host, port, () => daemon.metrics());
        log.info({ url: `http://${host.includes(':') ? `[${host}]` : host}:${(daemon.metricsServer.address() as { port: number }).port}/metrics` }, 'metrics listening');
      }
      daemon.startRetention();
      daemon.followControls();
      log.info(
        { store: config.store.path, socket: config.listen.decision.path, sources: [...runtime.runners.keys()], version: runtime.store.history.latestVersion()?.id ?? null, policy: daemon.policy?.hash ?? null },
        'roster daemon started',
      );
      // Type=notify under systemd (systemd/roster.service): the socket listens, dependents may start.
      notifySystemdReady(log);
      return daemon;
    } catch (err) {
      await daemon.stopAdmin();
      await daemon.stopResponder();
      await runtime.close();
      throw err;
    }
  }

  /**
   * SIGHUP: re-read config and policy. A broken file is rejected with a log line and the running
   * configuration stays; the responder keeps answering throughout. The new decision settings and
   * policy are committed together with the grants changed role rules give, once any sync in
   * progress has been applied (Applier.reconfigure): no moment has the one without the other.
   */
  async reload(): Promise<void> {
    if (this.stopping) return;
    let next: RosterConfig;
    const taken: { loaded: LoadedPolicy | null } = { loaded: null };
    let version: RoleStateVersion | null;
    try {
      next = loadRosterConfig(this.config.file);
      decisionConfigOf(next); // a broken policy is rejected now, not after a sync
      // Read again when the change commits: the newest policy text is what goes in force.
      version = await this.runtime.applier.reconfigure(resolveRulesOf(next), () => {
        const { decisionConfig, loaded } = decisionConfigOf(next);
        taken.loaded = loaded;
        return decisionConfig;
      });
    } catch (err) {
      this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'reload rejected; the running configuration stays');
      return;
    }
    this.config = next;
    this.policy = taken.loaded;
    this.watchPolicy();
    this.notify('reload');
    if (version) this.log.info({ version: version.id }, 'configuration changed role grants');
    this.log.info({ policy: this.policy?.hash ?? EMPTY_POLICY.hash }, 'configuration reloaded');
  }

  /** Stops schedules and runs, then the responder (which drains requests and flushes its log). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.scheduler.stop();
      this.watcher?.close();
      if (this.retentionTimer) clearInterval(this.retentionTimer);
      if (this.controlTimer) clearInterval(this.controlTimer);
      await this.stopAdmin();
      this.metricsServer?.close();
      this.metricsServer?.closeAllConnections();
      await this.runtime.close();
      await this.stopResponder();
      this.log.info({}, 'roster daemon stopped');
    })();
    return this.stopping;
  }

  /** The Prometheus exposition of both processes (GET /metrics); the responder's part comes over IPC. */
  async metrics(): Promise<string> {
    return this.providerMetrics.exposition(await askResponderMetrics(this.responder, RESPONDER_METRICS_TIMEOUT_MS));
  }

  private notify(message: 'refresh' | 'reload'): void {
    if (this.responder?.connected) this.responder.send(message);
  }

  /** Forks the responder and resolves once its socket listens (or rejects with its error). */
  private startResponder(): Promise<void> {
    const child = fork(RESPONDER_PROCESS.entry, ['-c', this.config.file, '--log-level', this.log.level], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [...RESPONDER_PROCESS.execArgv],
    });
    this.responder = child;
    return new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the decision responder exited during start (code ${code}); see its log lines above`));
      child.once('exit', onExit);
      child.once('message', (m) => {
        if (m !== 'ready') return;
        child.off('exit', onExit);
        child.on('exit', (code, signal) => this.onResponderExit(child, code, signal));
        resolve();
      });
    });
  }

  private onResponderExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || this.responder !== child) return;
    this.responderRestarts++;
    const delay = backoffDelay(this.responderRestarts, 200, 10_000);
    this.log.error({ code, signal, restartInMs: delay }, 'the decision responder died; restarting it');
    setTimeout(() => {
      if (this.stopping) return;
      this.startResponder().then(
        () => this.log.info({}, 'decision responder restarted'),
        (err: unknown) => {
          this.log.error({ err: String(err) }, 'responder restart failed');
          if (this.responder) this.onResponderExit(this.responder, null, null);
        },
      );
    }, delay).unref();
  }

  private async stopResponder(): Promise<void> {
    const child = this.responder;
    this.responder = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /**
   * The admin socket: compliance queries and status, read-only, on their own socket and file
   * mode. Served here, not by the responder, so a long who-could never delays a decision.
   */
  private async startAdmin(): Promise<void> {
    const { config } = this;
    const store = SqliteRoleStore.openReadonly(config.store.path);
    const log = existsSync(config.decisionLog.path) ? DecisionLogStore.open(config.decisionLog.path, { readonly: true }) : null;
    const compliance = new ComplianceService(config, store, log);
    const server = createAdminServer({
      compliance,
      status: () => ({ version: this.runtime.store.history.latestVersion()?.id ?? null, sources: this.runtime.store.syncStates() }),
      headsFile: config.decisionLog.headSink?.file,
      metrics: () => this.metrics(),
    });
    this.admin = { server, compliance };
    try {
      await listenUnixSocket(server, config.listen.admin.path, config.listen.admin.mode, config.listen.admin.group);
    } catch (err) {
      await this.stopAdmin();
      throw err;
    }
  }

  private async stopAdmin(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    if (!admin) return;
    await new Promise<void>((resolve) => {
      admin.server.close(() => resolve());
      admin.server.closeIdleConnections();
    });
    admin.compliance.log?.close();
    admin.compliance.store.close();
  }

  /**
   * Operator controls set by the CLI in the store (`roster pause|resume`, `roster sync
   * --accept-deletions` while the daemon runs): applied within CONTROL_POLL_MS.
   */
  private followControls(): void {
    const control = new SourceControl(this.runtime.store.db);
    const apply = (): void => {
      if (this.stopping) return;
      const rows = new Map(control.states().map((r) => [r.source, r]));
      for (const [id, runner] of this.runtime.runners) {
        const row = rows.get(id);
        const paused = row?.pausedAt != null;
        if (paused !== runner.paused) this.log.info({ source: id }, paused ? 'source paused' : 'source resumed');
        runner.paused = paused;
        const release = row?.releaseRequestedAt;
        if (release == null) continue;
        control.clearRelease(id, release);
        this.log.info({ source: id }, 'running the source accepting its deletions, as requested');
        runner.runAfterCurrent({ acceptDeletions: true, full: true }).then(
          (r) => this.log.info({ source: id, version: r.version?.id ?? null }, 'held sync released'),
          (err: unknown) => this.log.error({ source: id, err: err instanceof Error ? err.message : String(err) }, 'released sync failed'),
        );
      }
    };
    apply();
    this.controlTimer = setInterval(apply, CONTROL_POLL_MS);
    this.controlTimer.unref();
  }

  /** History compaction every retention.every (the responder compacts its decision log itself). */
  private startRetention(): void {
    const { retention } = this.config;
    if (retention.history === undefined) return;
    const run = (): void => {
      try {
        const r = applyRetention(this.config, this.runtime.store, null, Date.now());
        if (r.history) this.log.info({ floorVersion: r.history.floorVersion, removed: r.history.removed }, 'history compacted');
      } catch (err) {
        this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'history compaction failed; will retry');
      }
    };
    run();
    this.retentionTimer = setInterval(run, retention.every);
    this.retentionTimer.unref();
  }

  /**
   * Watches the configured policy file. Re-armed after every change and every reload: an editor
   * that saves by writing a new file and renaming it over the old one leaves a watch on the old
   * file's inode, which would never fire again.
   */
  private watchPolicy(): void {
    this.watcher?.close();
    this.watcher = null;
    const file = this.config.policy?.file;
    if (!file || this.stopping) return;
    let timer: NodeJS.Timeout | null = null;
    try {
      this.watcher = watch(file, () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => this.onPolicyFileChanged(), 100);
      });
    } catch (err) {
      this.log.warn({ file, err: err instanceof Error ? err.message : String(err) }, 'cannot watch the policy file; SIGHUP reloads it');
    }
  }

  private onPolicyFileChanged(): void {
    this.watchPolicy();
    try {
      const before = this.policy?.hash;
      this.policy = activatePolicy(this.config, this.runtime.store);
      if (this.policy?.hash !== before) {
        this.notify('refresh');
        this.log.info({ policy: this.policy?.hash }, 'policy reloaded');
      }
    } catch (err) {
      this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'policy change rejected; the running policy stays');
    }
  }
}

/** How long a scrape waits for the responder's part before serving without it (roster_responder_up 0). */
const RESPONDER_METRICS_TIMEOUT_MS = 2_000;

/** How often the daemon looks at the operator controls in the store. */
const CONTROL_POLL_MS = 2_000;
