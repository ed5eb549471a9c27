import { Command } from 'commander';
import { Daemon, loadRosterConfig } from '../daemon.js';
import { createLogger } from '../log/create-logger.js';
import { withConfigOption } from './config-option.js';

/** Runs the daemon in the foreground until SIGTERM/SIGINT. */
export async function runDaemon(configFile: string, logLevel?: string): Promise<Daemon> {
  const config = loadRosterConfig(configFile);
  const log = createLogger(logLevel ?? config.log.level);
  const daemon = await Daemon.start(config, log);
  const shutdown = (signal: string): void => {
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
    log.info({ signal: 'SIGHUP' }, 'reloading');
    void daemon.reload();
  });
  return daemon;
}

export const daemonCommand = (): Command =>
  withConfigOption(new Command('daemon'))
    .description('run the daemon: sync sources on their schedules and serve decisions')
    .action(async (opts: { config: string }) => {
      await runDaemon(opts.config);
    });
