import type { Command } from 'commander';

/** Where the config is, unless --config says: $ROSTER_CONFIG, then /etc/roster/roster.yaml. */
export const DEFAULT_CONFIG = process.env.ROSTER_CONFIG ?? '/etc/roster/roster.yaml';

export const withConfigOption = (cmd: Command): Command =>
  cmd.option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG);
