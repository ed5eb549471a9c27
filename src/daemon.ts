/**
 * The composition root: the only module (with src/cli) that wires config, store, applier,
 * connectors, scheduling and responders together.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Server } from 'node:http';
import type { ConnectorContext, PollConnector, PushConnector } from '../connectors/connector.js';
import type { RoleSnapshot } from './apply/role-snapshot.js';
import { DecisionLogWriter } from './audit/decision-log-writer.js';
import { loadPolicy, type LoadedPolicy } from './config/load-policy.js';
import { buildDecisionIndex } from './policy/decision-index.js';
import { EMPTY_POLICY } from './policy/empty-policy.js';
import { DEFAULT_AUTHZ_HEADERS } from './serve/authz-headers.js';
import { createDecisionServer } from './serve/decision-server.js';
import { DecisionService } from './serve/decision-service.js';
import { freshnessOf } from './serve/freshness-of.js';
import { listenUnixSocket } from './serve/listen-unix-socket.js';
import { readiness } from './serve/readiness.js';
import { DecisionLogStore } from './store/decision-log-store.js';
import { Applier } from './apply/applier.js';
import { loadConfig } from './config/load-config.js';
import { resolveRulesOf } from './config/resolve-rules-of.js';
import type { RosterConfig } from './config/roster-config.js';
import { readSecret } from './config/secret-ref.js';
import { CONNECTOR_FACTORIES, optionsParserFor } from './connector-factories.js';
import { RosterError } from './errors/roster-error.js';
import type { Logger } from './log/create-logger.js';
import { SqliteRoleStore } from './store/sqlite-role-store.js';
import { SourceRunner } from './sync/source-runner.js';
import { SyncScheduler } from './sync/sync-scheduler.js';

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

/**
 * Loads the configured policy and records it as the policy in force from now (any writer does,
 * so `decide --at` finds the policy that went with each role-state version).
 */
export function activatePolicy(config: RosterConfig, store: SqliteRoleStore, previousHash?: string): LoadedPolicy | null {
  const file = config.policy?.file;
  if (!file) return null;
  const loaded = loadPolicy(file, new Set(config.roles.map((r) => r.name)));
  if (loaded.hash !== previousHash) store.policies.activate(loaded.hash, loaded.text, Date.now());
  return loaded;
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
        const settings = { fullSyncEveryMs: source.fullSyncEvery, retryInitialMs: config.sync.retryInitial, retryMaxMs: config.sync.retryMax };
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

/** The running daemon: runtime + schedules + push receivers + the decision socket. */
export class Daemon {
  private readonly scheduler = new SyncScheduler();
  private stopping: Promise<void> | null = null;
  private policy: LoadedPolicy | null = null;
  private watcher: FSWatcher | null = null;

  private constructor(
    readonly runtime: Runtime,
    private config: RosterConfig,
    private readonly log: Logger,
    readonly decisions: DecisionService,
    private readonly decisionLog: { writer: DecisionLogWriter; store: DecisionLogStore } | null,
    private readonly server: Server,
  ) {}

  static async start(config: RosterConfig, log: Logger): Promise<Daemon> {
    const runtime = createRuntime(config, log);
    let decisionLog: { writer: DecisionLogWriter; store: DecisionLogStore } | null = null;
    try {
      if (config.decisionLog.mode !== 'off') {
        const store = DecisionLogStore.open(config.decisionLog.path);
        const writer = new DecisionLogWriter(store, { mode: config.decisionLog.mode, windowMs: config.decisionLog.window, maxBatch: config.decisionLog.maxBatch }, (err) =>
          log.error({ err: err.message }, 'decision log commit failed; decisions are denied while it fails'),
        );
        decisionLog = { writer, store };
      }
      const decisions = new DecisionService(decisionLog?.writer ?? null);
      const server = createDecisionServer(decisions, {
        bodyLimit: config.listen.decision.bodyLimit,
        headers: { ...DEFAULT_AUTHZ_HEADERS, ...config.listen.decision.headers },
        readiness: () => readiness(decisions.current().index !== null, decisions.current().freshness, Date.now()),
      });
      const daemon = new Daemon(runtime, config, log, decisions, decisionLog, server);
      daemon.loadPolicy();
      // Rules may have changed since the last run: re-resolve before serving.
      const reresolved = await runtime.applier.setRules(resolveRulesOf(config));
      if (reresolved.version) log.info({ version: reresolved.version.id }, 'configuration changed role grants');
      runtime.applier.onCommit((snap) => daemon.rebuildIndex(snap));
      daemon.rebuildIndex(runtime.applier.snapshot());
      daemon.refreshFreshness();
      for (const runner of runtime.runners.values()) runner.onRunFinished = () => daemon.refreshFreshness();
      await listenUnixSocket(server, config.listen.decision.path, config.listen.decision.mode, config.listen.decision.group);
      for (const pusher of runtime.pushers) {
        await pusher.start({
          apply: async (batch) => {
            const r = await runtime.applier.apply({
              source: pusher.sourceId,
              kind: 'delta',
              batches: (async function* () {
                yield batch;
              })(),
              trigger: 'scim',
            });
            daemon.refreshFreshness();
            return { version: r.version?.id ?? null };
          },
        });
      }
      daemon.scheduler.start(
        config.sources
          .filter((s) => runtime.runners.has(s.id))
          .map((s) => ({ runner: runtime.runners.get(s.id)!, schedule: s.schedule, firstDelayMs: s.firstDelay })),
      );
      daemon.watchPolicy();
      log.info(
        { store: config.store.path, socket: config.listen.decision.path, sources: [...runtime.runners.keys()], version: runtime.store.history.latestVersion()?.id ?? null, policy: daemon.policyHash },
        'roster daemon started',
      );
      return daemon;
    } catch (err) {
      decisionLog?.store.close();
      await runtime.close();
      throw err;
    }
  }

  get policyHash(): string {
    return this.policy?.hash ?? EMPTY_POLICY.hash;
  }

  /**
   * SIGHUP: re-read config and policy. A broken file is rejected with a log line and the running
   * configuration stays; requests keep being answered throughout (the index swap is atomic).
   */
  async reload(): Promise<void> {
    try {
      const next = loadRosterConfig(this.config.file);
      const rulesChanged = JSON.stringify(resolveRulesOf(next)) !== JSON.stringify(resolveRulesOf(this.config));
      this.config = next;
      this.loadPolicy();
      if (rulesChanged) await this.runtime.applier.setRules(resolveRulesOf(next));
      this.rebuildIndex(this.runtime.applier.snapshot());
      this.refreshFreshness();
      this.log.info({ policy: this.policyHash }, 'configuration reloaded');
    } catch (err) {
      this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'reload rejected; the running configuration stays');
    }
  }

  /** Stops accepting, lets in-flight requests and runs finish, flushes the decision log. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.scheduler.stop();
      this.watcher?.close();
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeIdleConnections();
      });
      await this.runtime.close();
      this.decisionLog?.writer.close();
      this.decisionLog?.store.close();
      this.log.info({}, 'roster daemon stopped');
    })();
    return this.stopping;
  }

  /** Loads the policy file (keeping the old one if the new one is invalid) and records its version. */
  private loadPolicy(): void {
    this.policy = activatePolicy(this.config, this.runtime.store, this.policy?.hash);
  }

  private watchPolicy(): void {
    const file = this.config.policy?.file;
    if (!file) return;
    let timer: NodeJS.Timeout | null = null;
    this.watcher = watch(file, () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        try {
          const before = this.policyHash;
          this.loadPolicy();
          if (this.policyHash !== before) {
            this.rebuildIndex(this.runtime.applier.snapshot());
            this.log.info({ policy: this.policyHash }, 'policy reloaded');
          }
        } catch (err) {
          this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'policy change rejected; the running policy stays');
        }
      }, 100);
    });
  }

  private rebuildIndex(snap: RoleSnapshot): void {
    const ranks = new Map(this.config.roles.map((r) => [r.name, r.rank]));
    const version = snap.version?.id ?? this.runtime.store.history.latestVersion()?.id ?? 0;
    this.decisions.swap(buildDecisionIndex(snap.state, version, this.policy?.policy ?? EMPTY_POLICY, ranks));
  }

  private refreshFreshness(): void {
    this.decisions.setFreshness(freshnessOf(this.config, this.runtime.store.syncStates()));
  }
}
