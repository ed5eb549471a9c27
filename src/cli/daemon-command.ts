import { Command } from 'commander';
import { Daemon, loadRosterConfig } from '../daemon.js';
import { createLogger } from '../log/create-logger.js';
import { withConfigOption } from './config-option.js';

/**
 * Runs the daemon in the foreground until SIGTERM/SIGINT. Signal handlers are installed before
 * the (possibly long) start: a SIGTERM then stops the daemon as soon as it has started, and a
 * SIGHUP is not the default "terminate" but a reload once running.
 */
export async function runDaemon(configFile: string, logLevel?: string): Promise<Daemon> {
  const config = loadRosterConfig(configFile);
  const log = createLogger(logLevel ?? config.log.level);
  let daemon: Daemon | null = null;
  let stopSignal: string | null = null;
  const shutdown = (signal: string): void => {
    stopSignal ??= signal;
    if (!daemon) return; // stops right after start
    log.info({ signal }, 'shutting down');
    daemon.stop().then(
      () => {
        log.flush();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    if (!daemon) return log.info({ signal: 'SIGHUP' }, 'still starting; the configuration being started is already the current file');
    log.info({ signal: 'SIGHUP' }, 'reloading');
    void daemon.reload();
  });
  daemon = await Daemon.start(config, log);
  if (stopSignal) shutdown(stopSignal);
  return daemon;
}

export const daemonCommand = (): Command =>
  withConfigOption(new Command('daemon'))
    .description('run the daemon: sync sources on their schedules and serve decisions')
    .action(async (opts: { config: string }) => {
      await runDaemon(opts.config);
    });
