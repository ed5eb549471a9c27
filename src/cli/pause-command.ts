import { Command } from 'commander';
import { loadRosterConfig } from '../daemon.js';
import { RosterError } from '../errors/roster-error.js';
import { SourceControl } from '../store/source-control.js';
import { withConfigOption } from './config-option.js';
import { print } from './output.js';

/** `roster pause SOURCE` / `roster resume SOURCE`: recorded in the store, honoured by the daemon within seconds. */
export const sourceControlCommand = (name: 'pause' | 'resume'): Command =>
  withConfigOption(new Command(name))
    .description(name === 'pause' ? 'stop scheduled syncs of a source (the last good data keeps serving) until resumed' : 'resume scheduled syncs of a paused source')
    .argument('<source>', 'source id')
    .action((source: string, opts: { config: string }) => {
      const config = loadRosterConfig(opts.config);
      if (!config.sources.some((s) => s.id === source)) throw new RosterError('ROSTER_ERR_SOURCE_UNKNOWN', { source });
      const control = SourceControl.open(config.store.path);
      try {
        if (name === 'pause') {
          control.pause(source, Date.now());
          print(`${source} paused: no scheduled syncs until \`roster resume ${source}\``);
        } else print(control.resume(source) ? `${source} resumed` : `${source} was not paused`);
      } finally {
        control.close();
      }
    });
