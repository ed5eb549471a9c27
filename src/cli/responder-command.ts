import { Command } from 'commander';
import { loadRosterConfig } from '../daemon.js';
import { createLogger } from '../log/create-logger.js';
import { Responder } from '../responder.js';
import { withConfigOption } from './config-option.js';

/**
 * The decision responder process, started by `roster daemon` (not meant to be run by hand):
 * tells its parent "ready" once listening; "refresh" and "reload" messages come back.
 */
export const responderCommand = (): Command =>
  withConfigOption(new Command('responder'))
    .description('(internal) the decision responder process that `roster daemon` starts')
    .option('--log-level <level>', 'log level (the daemon passes its own)')
    .action(async (opts: { config: string; logLevel?: string }) => {
      const config = loadRosterConfig(opts.config);
      const log = createLogger(opts.logLevel ?? config.log.level).child({ process: 'responder' });
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
        }
        else if (m === 'reload') {
          try {
            void responder.reload(loadRosterConfig(opts.config));
          } catch (err) {
            log.error({ err: err instanceof Error ? err.message : String(err) }, 'responder reload rejected');
          }
        }
      });
      // Orphaned (the provider died): stop rather than serve a store nobody updates.
      process.on('disconnect', stop);
      process.send?.('ready');
    });
