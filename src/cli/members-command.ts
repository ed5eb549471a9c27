import { Command } from 'commander';
import { RosterError } from '../errors/roster-error.js';
import { loadRosterConfig } from '../daemon.js';
import { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { withConfigOption } from './config-option.js';
import { formatGrantPath } from '../compliance/format-grant-path.js';
import { settingsAt } from '../compliance/point-in-time.js';
import { decisionSettingsOf } from '../config/decision-settings-of.js';
import { formatTable } from './format-table.js';
import { print, printJson } from './output.js';
import { timeFor, versionFor } from './parse-time.js';

export const membersCommand = (): Command =>
  withConfigOption(new Command('members'))
    .description('principals holding a role (now, or at a TIME or @VERSION)')
    .argument('<role>', 'role name')
    .option('--at <time>', 'ISO-8601 time or @version')
    .option('--json', 'machine-readable output')
    .action((role: string, opts: { config: string; at?: string; json?: boolean }) => {
      const config = loadRosterConfig(opts.config);
      const store = SqliteRoleStore.openReadonly(config.store.path);
      try {
        const version = versionFor(store.history, opts.at);
        const members = store.history.membersAt(role, version);
        // A role no one holds is known if it was configured then (the decision settings at TIME,
        // or at the version's commit for @VERSION).
        const known = opts.at === undefined ? decisionSettingsOf(config) : settingsAt(store, timeFor(store.history, opts.at), decisionSettingsOf(config));
        if (members.length === 0 && !known.ranks.has(role)) throw new RosterError('ROSTER_ERR_ROLE_UNKNOWN', { role });
        if (opts.json) return printJson({ role, roleStateVersion: version, members });
        print(`${role} at version ${version}: ${members.length} member(s)`);
        if (members.length) {
          print(formatTable(['PRINCIPAL', 'SINCE', 'GRANTED BY'], members.map((m) => [m.principalId, `@${m.since}`, formatGrantPath(m.path)])));
        }
      } finally {
        store.close();
      }
    });
