import { Command } from 'commander';
import { EXIT } from '../errors/error-codes.js';
import { loadRosterConfig } from '../daemon.js';
import { decide } from '../policy/decide.js';
import { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { withConfigOption } from './config-option.js';
import { decisionContext } from './decision-context.js';
import { print, printJson } from './output.js';
import { requestFromOptions, withRequestOptions, type RequestOptions } from './request-options.js';

export const decideCommand = (): Command =>
  withRequestOptions(withConfigOption(new Command('decide')))
    .description('evaluate a request exactly like the decision socket (with --at: as of that time); exit 0 allow, 8 deny')
    .option('--at <time>', 'ISO-8601 time or @version: role state and policy version in force then')
    .option('--json', 'machine-readable output')
    .action((opts: RequestOptions & { config: string; at?: string; json?: boolean }) => {
      const config = loadRosterConfig(opts.config);
      const store = SqliteRoleStore.openReadonly(config.store.path);
      try {
        const { index, freshness, now } = decisionContext(store, config, opts.at);
        const d = decide(index, requestFromOptions(opts), now, freshness);
        if (opts.json) printJson(d);
        else {
          const by = d.authorizedBy ? ` (role ${d.authorizedBy.role}, route ${d.authorizedBy.policy}, rule ${d.authorizedBy.rule})` : '';
          print(`${d.decision}: ${d.reason}${by}\nprincipal ${d.principal ?? '-'}, roles [${d.roles.join(', ')}], role-state version ${d.roleStateVersion}, policy ${d.policyVersion}`);
        }
        process.exitCode = d.decision === 'allow' ? EXIT.ok : EXIT.denied;
      } finally {
        store.close();
      }
    });
