import { Command } from 'commander';
import { RosterError } from '../errors/roster-error.js';
import { withConfigOption } from './config-option.js';
import { formatGrantPath } from '../compliance/format-grant-path.js';
import { formatTable } from './format-table.js';
import { openQueryStore } from './open-query-store.js';
import { print, printJson } from './output.js';
import { versionFor } from './parse-time.js';

export const changesCommand = (): Command =>
  withConfigOption(new Command('changes'))
    .description('who gained or lost which role between two times, and from which source')
    .requiredOption('--since <time>', 'ISO-8601 time or @version (exclusive)')
    .option('--until <time>', 'ISO-8601 time or @version (inclusive; default now)')
    .option('--json', 'machine-readable output')
    .action((opts: { config: string; since: string; until?: string; json?: boolean }) => {
      const store = openQueryStore(opts.config);
      try {
        const until = versionFor(store.history, opts.until);
        // A time before the first version means "from the beginning".
        let since = 0;
        try {
          since = versionFor(store.history, opts.since);
        } catch (err) {
          if (!(err instanceof RosterError && err.code === 'ROSTER_ERR_VERSION_UNKNOWN')) throw err;
        }
        const changes = store.history.changesBetween(since, until);
        if (opts.json) return printJson({ since, until, changes });
        print(`role changes after version ${since} up to ${until}: ${changes.length}`);
        if (changes.length) {
          print(
            formatTable(
              ['VERSION', 'TIME', 'SOURCE', 'PRINCIPAL', 'CHANGE', 'ROLE', 'PATH'],
              changes.map((c) => [`@${c.version}`, new Date(c.committedAt).toISOString(), c.source, c.principalId, c.change, c.role, formatGrantPath(c.path)]),
            ),
          );
        }
      } finally {
        store.close();
      }
    });
