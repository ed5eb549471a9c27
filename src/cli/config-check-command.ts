import { Command } from 'commander';
import { loadRosterConfig } from '../daemon.js';
import { print } from './output.js';

export const configCommand = (): Command =>
  new Command('config').description('configuration tools').addCommand(
    new Command('check')
      .description('validate a configuration file (exit 0 when valid, 3 when not)')
      .argument('[file]', 'configuration file', process.env.ROSTER_CONFIG ?? '/etc/roster/roster.yaml')
      .option('-c, --config <file>', 'configuration file (same as the argument)')
      .action((file: string, opts: { config?: string }) => {
        const config = loadRosterConfig(opts.config ?? file);
        print(`${config.file}: valid (${config.sources.length} source(s), ${config.roles.length} role(s))`);
      }),
  );
