import { Command } from 'commander';
import { EXIT } from '../errors/error-codes.js';
import { loadRosterConfig } from '../daemon.js';
import { explain } from '../policy/explain.js';
import { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { withConfigOption } from './config-option.js';
import { decisionContext } from './decision-context.js';
import { formatGrantPath } from '../compliance/format-grant-path.js';
import { print, printJson } from './output.js';
import { versionFor } from './parse-time.js';
import { requestFromOptions, withRequestOptions, type RequestOptions } from './request-options.js';

export const explainCommand = (): Command =>
  withRequestOptions(withConfigOption(new Command('explain')))
    .description('show how a request is decided: identifier -> principal -> groups -> roles -> rules -> decision')
    .option('--at <time>', 'ISO-8601 time or @version')
    .option('--json', 'machine-readable output')
    .action((opts: RequestOptions & { config: string; at?: string; json?: boolean }) => {
      const config = loadRosterConfig(opts.config);
      const store = SqliteRoleStore.openReadonly(config.store.path);
      try {
        const { index, freshness, now } = decisionContext(store, config, opts.at);
        const req = requestFromOptions(opts);
        const e = explain(index, req, now, freshness);
        const version = versionFor(store.history, opts.at);
        const held = e.principal ? store.history.rolesAt(e.principal, version) : [];
        if (opts.json) return printJson({ ...e, grants: held });
        print(`identifier  ${req.subject.id}${req.subject.issuer ? ` (issuer ${req.subject.issuer})` : ''}`);
        print(`principal   ${e.principal ?? `none (${e.decision.reason})`}`);
        for (const h of held) print(`role        ${h.role.padEnd(16)} via ${formatGrantPath(h.path)} (since @${h.since})`);
        print(`routes      ${e.routes.length ? e.routes.join(', ') : 'none match'}`);
        for (const r of e.rules) print(`rule        ${r.rule} (${r.effect}, role ${r.role}, route ${r.route}): ${r.applies ? 'applies' : `does not apply: ${r.because}`}`);
        const d = e.decision;
        print(`decision    ${d.decision}: ${d.reason}${d.authorizedBy ? ` by ${d.authorizedBy.role} / ${d.authorizedBy.policy} / ${d.authorizedBy.rule}` : ''} (role-state version ${d.roleStateVersion}, policy ${d.policyVersion})`);
        process.exitCode = d.decision === 'allow' ? EXIT.ok : EXIT.denied;
      } finally {
        store.close();
      }
    });
