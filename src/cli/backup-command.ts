import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadRosterConfig } from '../daemon.js';
import { RosterError } from '../errors/roster-error.js';
import { backupDatabase, type BackupResult } from '../store/backup-database.js';
import { withConfigOption } from './config-option.js';
import { print, printJson } from './output.js';

const size = (bytes: number): string => {
  const [value, unit] = bytes >= 1024 ** 3 ? [bytes / 1024 ** 3, 'GiB'] : bytes >= 1024 ** 2 ? [bytes / 1024 ** 2, 'MiB'] : [bytes / 1024, 'KiB'];
  return `${value.toFixed(1)} ${unit}`;
};

const describe = (r: BackupResult): Record<string, unknown> => ({
  source: r.source,
  path: r.path,
  bytes: r.bytes,
  schemaVersion: r.schemaVersion,
  ...(r.kind === 'role-store' ? { roleStateVersion: r.head } : { lastRecord: r.head }),
});

export const backupCommand = (): Command =>
  withConfigOption(new Command('backup'))
    .description('copy the role store and the decision log into DIR (safe while the daemon runs); each copy is verified before it replaces a file in DIR')
    .argument('<dir>', 'directory for the copies (created if missing); the files keep their names')
    .option('--json', 'machine-readable output')
    .action(async (dir: string, opts: { config: string; json?: boolean }) => {
      const config = loadRosterConfig(opts.config);
      const store = config.store.path;
      const log = config.decisionLog.path;
      const target = resolve(dir);
      if (store === ':memory:') throw new RosterError('ROSTER_ERR_BACKUP_FAILED', { source: store, target, cause: 'the store is in memory' });
      if (basename(store) === basename(log)) throw new RosterError('ROSTER_ERR_BACKUP_FAILED', { source: log, target, cause: 'the role store and the decision log have the same file name' });
      const roleStore = await backupDatabase('role-store', store, join(target, basename(store)));
      // The log exists once the responder has started (none with decisionLog.mode: off).
      const decisionLog = existsSync(log) ? await backupDatabase('decision-log', log, join(target, basename(log))) : null;
      if (opts.json) return printJson({ roleStore: describe(roleStore), decisionLog: decisionLog ? describe(decisionLog) : null });
      print(`role store    ${roleStore.path}  ${size(roleStore.bytes)}, role-state version ${roleStore.head === null ? 'none' : `@${roleStore.head}`}`);
      if (decisionLog) print(`decision log  ${decisionLog.path}  ${size(decisionLog.bytes)}, last record ${decisionLog.head ?? 'none'}`);
      else print(`decision log  none at ${log}, skipped`);
      print('copies passed PRAGMA integrity_check');
    });
