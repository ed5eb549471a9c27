import { Command } from 'commander';
import { runResponder } from '../run-responder.js';
import { withConfigOption } from './config-option.js';

/**
 * The decision responder process, started by `roster daemon` (not meant to be run by hand; the
 * daemon forks src/responder-main.ts, which runs the same without loading the whole CLI).
 */
export const responderCommand = (): Command =>
  withConfigOption(new Command('responder'))
    .description('(internal) the decision responder process that `roster daemon` starts')
    .option('--log-level <level>', 'log level (the daemon passes its own)')
    .action(async (opts: { config: string; logLevel?: string }) => runResponder(opts.config, opts.logLevel));
