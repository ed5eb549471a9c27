/**
 * The composition root: the only module (with src/cli) that wires config, store, applier,
 * connectors, scheduling and responders together.
 */
import type { ConnectorContext, PollConnector, PushConnector } from '../connectors/connector.js';
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

export function createRuntime(config: RosterConfig, log: Logger, now: () => number = Date.now): Runtime {
  const store = SqliteRoleStore.openWritable(config.store.path);
  try {
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

/** The running daemon: runtime + schedules + push receivers + signal handling. */
export class Daemon {
  private readonly scheduler = new SyncScheduler();
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly runtime: Runtime,
    private readonly log: Logger,
  ) {}

  static async start(config: RosterConfig, log: Logger): Promise<Daemon> {
    const runtime = createRuntime(config, log);
    const daemon = new Daemon(runtime, log);
    try {
      // Rules may have changed since the last run: re-resolve before serving.
      const reresolved = await runtime.applier.setRules(resolveRulesOf(config));
      if (reresolved.version) log.info({ version: reresolved.version.id }, 'configuration changed role grants');
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
            return { version: r.version?.id ?? null };
          },
        });
      }
      daemon.scheduler.start(
        config.sources
          .filter((s) => runtime.runners.has(s.id))
          .map((s) => ({ runner: runtime.runners.get(s.id)!, schedule: s.schedule, firstDelayMs: s.firstDelay })),
      );
    } catch (err) {
      await runtime.close();
      throw err;
    }
    log.info({ store: config.store.path, sources: [...runtime.runners.keys()], version: runtime.store.history.latestVersion()?.id ?? null }, 'roster daemon started');
    return daemon;
  }

  /** Stops schedules, lets a run in flight abort cleanly, closes the store. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.scheduler.stop();
      await this.runtime.close();
      this.log.info({}, 'roster daemon stopped');
    })();
    return this.stopping;
  }
}
