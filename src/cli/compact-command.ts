import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { applyRetention } from '../compliance/apply-retention.js';
import { loadRosterConfig } from '../daemon.js';
import { DecisionLogStore } from '../store/decision-log-store.js';
import { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { withConfigOption } from './config-option.js';
import { print, printJson } from './output.js';

export const compactCommand = (): Command =>
  withConfigOption(new Command('compact'))
    .description('apply the configured retention now (the daemon does this every retention.every); needs the daemon stopped')
    .option('--json', 'machine-readable output')
    .action((opts: { config: string; json?: boolean }) => {
      const config = loadRosterConfig(opts.config);
      const store = SqliteRoleStore.openWritable(config.store.path);
      const log = existsSync(config.decisionLog.path) ? DecisionLogStore.open(config.decisionLog.path) : null;
      try {
        const r = applyRetention(config, store, log, Date.now());
        if (opts.json) return printJson(r);
        if (config.retention.history === undefined && config.retention.decisions === undefined) return print('no retention configured: nothing removed');
        print(`history: ${r.history ? `floor version ${r.history.floorVersion}, removed ${JSON.stringify(r.history.removed)}` : 'nothing old enough'}`);
        print(`decisions: ${r.decisions ? `${r.decisions.removed} record(s) removed` : 'kept (no decision retention or no log)'}`);
      } finally {
        log?.close();
        store.close();
      }
    });
