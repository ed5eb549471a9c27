import { Command } from 'commander';
import { RosterError } from '../errors/roster-error.js';
import { withConfigOption } from './config-option.js';
import { formatGrantPath } from '../compliance/format-grant-path.js';
import { formatTable } from './format-table.js';
import { openQueryStore } from './open-query-store.js';
import { print, printJson } from './output.js';
import { versionFor } from './parse-time.js';

export const rolesCommand = (): Command =>
  withConfigOption(new Command('roles'))
    .description('roles a subject holds (now, or at a TIME or @VERSION), each with its grant path')
    .argument('<subject>', 'an identifier (email, UPN, DN, uid, object id, client id...) or principal id')
    .option('--at <time>', 'ISO-8601 time or @version')
    .option('--json', 'machine-readable output')
    .action((subject: string, opts: { config: string; at?: string; json?: boolean }) => {
      const store = openQueryStore(opts.config);
      try {
        const version = versionFor(store.history, opts.at);
        const pids = store.history.principalsForSubject(subject, version);
        if (pids.length === 0) throw new RosterError('ROSTER_ERR_SUBJECT_UNKNOWN', { subject, when: ` at version ${version}` });
        if (pids.length > 1) throw new RosterError('ROSTER_ERR_SUBJECT_AMBIGUOUS', { subject, principals: pids.join(', ') });
        const principalId = pids[0]!;
        const roles = store.history.rolesAt(principalId, version);
        if (opts.json) return printJson({ subject, principal: principalId, roleStateVersion: version, roles });
        print(`${subject} -> ${principalId} at version ${version}`);
        print(roles.length ? formatTable(['ROLE', 'SINCE', 'GRANTED BY'], roles.map((r) => [r.role, `@${r.since}`, formatGrantPath(r.path)])) : '(no roles)');
      } finally {
        store.close();
      }
    });
