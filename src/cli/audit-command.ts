import { Command } from 'commander';
import { exportDecisions, type ExportFormat } from '../audit/export-decisions.js';
import { RosterError } from '../errors/roster-error.js';
import { withConfigOption } from './config-option.js';
import { formatTable } from './format-table.js';
import { withCompliance } from './with-compliance.js';
import { print, printJson } from './output.js';
import { instantOf } from '../compliance/parse-at.js';


const positive = (name: string, max: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new RosterError('ROSTER_ERR_QUERY_INVALID', { details: `--${name} must be an integer from 0 to ${max}` });
  return n;
};

const verifyCommand = (): Command =>
  withConfigOption(new Command('verify'))
    .description('check the decision log hash chain (and recorded chain heads); exit 6 naming the first bad record')
    .option('--since <time>', 'ISO-8601: start here (the link into the window is taken as given)')
    .option('--until <time>', 'ISO-8601: stop here')
    .option('--heads <file>', 'a chain-head file (decisionLog.headSink.file): detects truncation of the newest records')
    .option('--json', 'machine-readable output')
    .action((opts: { config: string; since?: string; until?: string; heads?: string; json?: boolean }) => {
      withCompliance(opts.config, (service) => {
        const { chain, heads } = service.verify({ since: instantOf(opts.since), until: instantOf(opts.until), headsFile: opts.heads });
        if (opts.json) printJson({ ...chain, heads });
        if (!chain.ok) throw new RosterError('ROSTER_ERR_AUDIT_CHAIN_BROKEN', { seq: chain.seq, decisionId: chain.decisionId, problem: chain.problem });
        if (heads && !heads.ok) throw new RosterError('ROSTER_ERR_AUDIT_HEAD_MISMATCH', { at: heads.head.at, seq: heads.head.seq, hash: heads.head.hash, problem: heads.problem });
        if (!opts.json) print(`decision log intact: ${chain.records} record(s)${chain.lastHash ? `, head ${chain.lastHash}` : ''}${heads ? `; ${heads.checked} recorded head(s) present` : ''}`);
      });
    });

const searchCommand = (): Command =>
  withConfigOption(new Command('search'))
    .description('decision records by subject, route, decision and time, in log order; page with --after')
    .option('--subject <id>', 'a principal id (p_…) or the subject as the gateway sent it')
    .option('--route <path>', 'request path')
    .option('--decision <allow|deny>', 'only allows or only denies')
    .option('--since <time>', 'ISO-8601')
    .option('--until <time>', 'ISO-8601')
    .option('--after <seq>', 'records after this sequence number (the `next` of the previous page)', positive('after', Number.MAX_SAFE_INTEGER), 0)
    .option('--limit <n>', 'page size (max 10000)', positive('limit', 10_000), 100)
    .option('--json', 'machine-readable output')
    .action((opts: { config: string; subject?: string; route?: string; decision?: string; since?: string; until?: string; after: number; limit: number; json?: boolean }) => {
      if (opts.decision !== undefined && opts.decision !== 'allow' && opts.decision !== 'deny') throw new RosterError('ROSTER_ERR_QUERY_INVALID', { details: '--decision must be allow or deny' });
      withCompliance(opts.config, (service) => {
        const page = service.search({ subject: opts.subject, route: opts.route, decision: opts.decision as 'allow' | 'deny' | undefined, since: instantOf(opts.since), until: instantOf(opts.until), after: opts.after, limit: opts.limit });
        if (opts.json) return printJson(page);
        const rows = page.records as { seq: number; at: number; subject: { id: string }; route: string; decision: string; reason: string; authorizedBy: { role: string; rule: string } | null; decisionId: string }[];
        print(`${rows.length} record(s)${page.next !== null ? `; next page: --after ${page.next}` : ''}`);
        if (rows.length) print(formatTable(['SEQ', 'TIME', 'SUBJECT', 'ROUTE', 'DECISION', 'REASON', 'BY', 'ID'], rows.map((r) => [String(r.seq), new Date(r.at).toISOString(), r.subject.id, r.route, r.decision, r.reason, r.authorizedBy ? `${r.authorizedBy.role}/${r.authorizedBy.rule}` : '-', r.decisionId])));
      });
    });

const exportCommand = (): Command =>
  withConfigOption(new Command('export'))
    .description('write decision records to a file (jsonl or csv) and FILE.manifest.json (count, first/last hash, sha256)')
    .requiredOption('--out <file>', 'output file')
    .option('--since <time>', 'ISO-8601')
    .option('--until <time>', 'ISO-8601')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--json', 'print the manifest as JSON')
    .action(async (opts: { config: string; out: string; since?: string; until?: string; format: string; json?: boolean }) => {
      if (opts.format !== 'jsonl' && opts.format !== 'csv') throw new RosterError('ROSTER_ERR_QUERY_INVALID', { details: '--format must be jsonl or csv' });
      return withCompliance(opts.config, async (service) => {
        const log = service.log;
        if (!log) throw new RosterError('ROSTER_ERR_STORE_OPEN', { path: 'the decision log', cause: 'it does not exist' });
        const window = { since: instantOf(opts.since), until: instantOf(opts.until) };
        let manifest;
        try {
          manifest = await exportDecisions(log.scan(window), opts.out, opts.format as ExportFormat, window, Date.now());
        } catch (err) {
          throw new RosterError('ROSTER_ERR_EXPORT_FAILED', { file: opts.out, cause: err instanceof Error ? err.message : String(err) });
        }
        if (opts.json) printJson(manifest);
        else print(`exported ${manifest.records} record(s) to ${manifest.file} (sha256 ${manifest.sha256}); manifest ${manifest.file}.manifest.json`);
      });
    });

const replayCommand = (): Command =>
  withConfigOption(new Command('replay'))
    .description('re-evaluate a recorded decision against the role-state and policy versions it names; exit 6 if the outcome differs')
    .argument('<decisionId>', 'the decisionId of the record')
    .option('--json', 'machine-readable output')
    .action((decisionId: string, opts: { config: string; json?: boolean }) => {
      withCompliance(opts.config, (service) => {
        const r = service.replay(decisionId);
        if (opts.json) printJson(r);
        else {
          const show = (o: typeof r.recorded): string => `${o.decision} (${o.reason}${o.authorizedBy ? `, ${o.authorizedBy.role}/${o.authorizedBy.policy}/${o.authorizedBy.rule}` : ''})`;
          print(`${r.matches ? 'matches' : 'DIFFERS'}: recorded ${show(r.recorded)}, replayed ${show(r.replayed)} at role-state version ${r.roleStateVersion}, policy ${r.policyVersion}`);
        }
        if (!r.matches) throw new RosterError('ROSTER_ERR_REPLAY_MISMATCH', { decisionId, recorded: JSON.stringify(r.recorded), replayed: JSON.stringify(r.replayed) });
      });
    });

export const auditCommand = (): Command =>
  new Command('audit').description('decision log tools').addCommand(searchCommand()).addCommand(exportCommand()).addCommand(verifyCommand()).addCommand(replayCommand());
