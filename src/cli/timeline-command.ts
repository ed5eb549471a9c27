import { Command } from 'commander';
import { formatGrantPath } from '../compliance/format-grant-path.js';
import { reportCsv } from '../compliance/report-csv.js';
import { withConfigOption } from './config-option.js';
import { formatTable } from './format-table.js';
import { withCompliance } from './with-compliance.js';
import { print, printJson } from './output.js';

export const timelineCommand = (): Command =>
  withConfigOption(new Command('timeline'))
    .description('every role a subject gained and lost: time, version, source and the group that caused it')
    .argument('<subject>', 'principal id or any identifier (email, UPN, DN, uid, object id...)')
    .option('--issuer <url>', 'OIDC issuer: the subject is that issuer\'s sub')
    .option('--json', 'machine-readable output')
    .option('--csv', 'CSV output')
    .action((subject: string, opts: { config: string; issuer?: string; json?: boolean; csv?: boolean }) => {
      withCompliance(opts.config, (service) => {
        const t = service.timeline(subject, opts.issuer);
        if (opts.json) return printJson(t);
        if (opts.csv) return void process.stdout.write(reportCsv.timeline(t));
        print(`${subject}: ${t.events.length} change(s) for ${t.principals.join(', ')}`);
        if (t.events.length) {
          print(formatTable(['TIME', 'VERSION', 'PRINCIPAL', 'ROLE', 'CHANGE', 'SOURCE', 'GRANTED BY'], t.events.map((e) => [e.at === null ? '(compacted)' : new Date(e.at).toISOString(), `@${e.version}`, e.principalId, e.role, e.change, e.source ?? '', formatGrantPath(e.path)])));
        }
      });
    });
