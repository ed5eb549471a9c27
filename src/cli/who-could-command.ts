import { Command } from 'commander';
import { formatGrantPath } from '../compliance/format-grant-path.js';
import { reportCsv } from '../compliance/report-csv.js';
import { atOf } from '../compliance/parse-at.js';
import { withConfigOption } from './config-option.js';
import { formatTable } from './format-table.js';
import { withCompliance } from './with-compliance.js';
import { print, printJson } from './output.js';
import { requestFromOptions, withRequestShapeOptions, type RequestOptions } from './request-options.js';

export const whoCouldCommand = (): Command =>
  withRequestShapeOptions(withConfigOption(new Command('who-could')))
    .description('every principal that would have been allowed this request at a TIME (role state and policy then), with role and grant path')
    .option('--at <time>', 'ISO-8601 time or @version (default: now)')
    .option('--json', 'machine-readable output')
    .option('--csv', 'CSV output')
    .action((opts: Omit<RequestOptions, 'subject'> & { config: string; at?: string; json?: boolean; csv?: boolean }) => {
      withCompliance(opts.config, (service) => {
        const { subject: _none, ...request } = requestFromOptions({ ...opts, subject: '' });
        const r = service.whoCould(request, atOf(opts.at));
        if (opts.json) return printJson(r);
        if (opts.csv) return void process.stdout.write(reportCsv.whoCould(r));
        print(`${r.principals.length} principal(s) allowed at ${new Date(r.at).toISOString()} (role-state version ${r.roleStateVersion}, policy ${r.policyVersion})`);
        if (r.principals.length) print(formatTable(['PRINCIPAL', 'NAME', 'ROLE', 'ROUTE', 'RULE', 'GRANTED BY'], r.principals.map((p) => [p.principalId, p.displayName, p.role, p.route, p.rule, formatGrantPath(p.path)])));
      });
    });
