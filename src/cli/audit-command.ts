import { Command } from 'commander';
import { verifyChain } from '../audit/verify-chain.js';
import { loadRosterConfig } from '../daemon.js';
import { RosterError } from '../errors/roster-error.js';
import { DecisionLogStore, GENESIS_HASH } from '../store/decision-log-store.js';
import { withConfigOption } from './config-option.js';
import { parseTimeArg } from './parse-time.js';
import { print, printJson } from './output.js';

const timeOf = (input: string | undefined): number | undefined => {
  if (input === undefined) return undefined;
  const t = parseTimeArg(input);
  if ('version' in t) throw new RosterError('ROSTER_ERR_TIME_INVALID', { input });
  return t.time;
};

const verifyCommand = (): Command =>
  withConfigOption(new Command('verify'))
    .description('check the decision log hash chain; exit 6 naming the first bad record')
    .option('--since <time>', 'ISO-8601: start here (the link into the window is taken as given)')
    .option('--until <time>', 'ISO-8601: stop here')
    .option('--json', 'machine-readable output')
    .action((opts: { config: string; since?: string; until?: string; json?: boolean }) => {
      const config = loadRosterConfig(opts.config);
      const log = DecisionLogStore.open(config.decisionLog.path, { readonly: true });
      try {
        const since = timeOf(opts.since);
        const rows = log.scan({ since, until: timeOf(opts.until) });
        const result = verifyChain(rows, since === undefined ? GENESIS_HASH : null, since === undefined ? 1 : null);
        if (opts.json) printJson(result);
        if (!result.ok) throw new RosterError('ROSTER_ERR_AUDIT_CHAIN_BROKEN', { seq: result.seq, decisionId: result.decisionId, problem: result.problem });
        if (!opts.json) print(`decision log intact: ${result.records} record(s)${result.lastHash ? `, head ${result.lastHash}` : ''}`);
      } finally {
        log.close();
      }
    });

export const auditCommand = (): Command => new Command('audit').description('decision log tools').addCommand(verifyCommand());
