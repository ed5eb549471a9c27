import { loadConfig } from './config/load-config.js';
import type { RosterConfig } from './config/roster-config.js';
import { createLogger } from './log/create-logger.js';
import { Responder } from './responder.js';

/**
 * The responder reads the daemon's config file but never uses a source's `options` (the daemon
 * validated them when it loaded the same file, before starting or reloading this process), so it
 * accepts them as they are instead of loading every connector to check them.
 */
const loadResponderConfig = (file: string): RosterConfig => loadConfig(file, () => (raw) => raw);

/**
 * Runs the decision responder process (started by `roster daemon`): tells its parent "ready" once
 * listening; "refresh", "reload" and metrics requests come back over the IPC channel.
 */
export async function runResponder(configFile: string, logLevel: string | undefined): Promise<void> {
  const config = loadResponderConfig(configFile);
  const log = createLogger(logLevel ?? config.log.level).child({ process: 'responder' });
  let exitCode = 0;
  let started: Responder | null = null;
  const stop = (): void => {
    if (!started) return void process.exit(1);
    started.stop().then(
      () => process.exit(exitCode),
      () => process.exit(1),
    );
  };
  // A dead decision-log thread: stop and exit non-zero, so the daemon restarts this process clean.
  const responder = await Responder.start(config, log, () => {
    exitCode = 1;
    stop();
  });
  started = responder;
  process.on('SIGTERM', stop);
  process.on('SIGINT', () => undefined); // the parent decides when we stop
  process.on('SIGHUP', () => undefined);
  process.on('message', (m) => {
    if (m === 'refresh') void responder.refresh();
    else if ((m as { type?: unknown } | null)?.type === 'metrics') {
      // A scrape (src/serve/ask-responder-metrics.ts); the daemon gives up after a timeout.
      const id = (m as { id?: unknown }).id;
      void responder.metrics().then((metrics) => process.send?.({ type: 'metrics', id, metrics }, undefined, undefined, () => undefined), () => undefined);
    } else if (m === 'reload') {
      try {
        void responder.reload(loadResponderConfig(configFile));
      } catch (err) {
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'responder reload rejected');
      }
    }
  });
  // Orphaned (the provider died): stop rather than serve a store nobody updates.
  process.on('disconnect', stop);
  process.send?.('ready');
}
