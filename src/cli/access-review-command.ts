import { Command } from 'commander';
import { formatGrantPath } from '../compliance/format-grant-path.js';
import { reportCsv } from '../compliance/report-csv.js';
import { atOf } from '../compliance/parse-at.js';
import { withConfigOption } from './config-option.js';
import { formatTable } from './format-table.js';
import { withCompliance } from './with-compliance.js';
import { print, printJson } from './output.js';

export const accessReviewCommand = (): Command =>
  withConfigOption(new Command('access-review'))
    .description('holders of a role with since-when, grant path and their last decision (for periodic access reviews)')
    .argument('<role>', 'role name')
    .option('--at <time>', 'ISO-8601 time or @version (default: now)')
    .option('--json', 'machine-readable output')
    .option('--csv', 'CSV output')
    .action((role: string, opts: { config: string; at?: string; json?: boolean; csv?: boolean }) => {
      withCompliance(opts.config, (service) => {
        const a = service.accessReview(role, atOf(opts.at));
        if (opts.json) return printJson(a);
        if (opts.csv) return void process.stdout.write(reportCsv.accessReview(a));
        const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());
        print(`${role} at version ${a.roleStateVersion}: ${a.holders.length} holder(s)`);
        if (a.holders.length) print(formatTable(['PRINCIPAL', 'NAME', 'STATUS', 'SINCE', 'GRANTED BY', 'LAST DECISION'], a.holders.map((h) => [h.principalId, h.displayName, h.status, `${iso(h.since)} (@${h.sinceVersion})`, formatGrantPath(h.path), iso(h.lastDecisionAt)])));
      });
    });
