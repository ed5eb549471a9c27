import { Command } from 'commander';
import type { ApplyResult } from '../apply/apply-result.js';
import { createRuntime, loadRosterConfig } from '../daemon.js';
import { RosterError } from '../errors/roster-error.js';
import { createLogger } from '../log/create-logger.js';
import { SourceControl } from '../store/source-control.js';
import { withConfigOption } from './config-option.js';
import { formatTable } from './format-table.js';
import { print, printJson } from './output.js';

export const syncCommand = (): Command =>
  withConfigOption(new Command('sync'))
    .description('sync sources now (all enabled poll sources, or one); --dry-run prints the diff and commits nothing')
    .option('-s, --source <id>', 'only this source')
    .option('--dry-run', 'compute and print the change, commit nothing')
    .option('--full', 'force a full snapshot instead of an incremental run')
    .option('--accept-deletions', 'apply a snapshot that a deletion guard would hold')
    .option('--json', 'machine-readable output')
    .action(async (opts: { config: string; source?: string; dryRun?: boolean; full?: boolean; acceptDeletions?: boolean; json?: boolean }) => {
      const config = loadRosterConfig(opts.config);
      const log = createLogger(opts.json ? 'silent' : 'warn');
      let runtime;
      try {
        runtime = createRuntime(config, log);
      } catch (err) {
        // A running daemon holds the store: ask it to apply the held sync instead.
        if (!(err instanceof RosterError && err.code === 'ROSTER_ERR_STORE_LOCKED' && opts.acceptDeletions && opts.source && !opts.dryRun)) throw err;
        if (!config.sources.some((s) => s.id === opts.source)) throw new RosterError('ROSTER_ERR_SOURCE_UNKNOWN', { source: opts.source });
        const control = SourceControl.open(config.store.path);
        try {
          control.requestRelease(opts.source, Date.now());
        } finally {
          control.close();
        }
        return print(`the daemon holds the store: it will run ${opts.source} accepting its deletions within a few seconds (see \`roster status\`)`);
      }
      try {
        if (opts.source && !runtime.runners.has(opts.source)) throw new RosterError('ROSTER_ERR_SOURCE_UNKNOWN', { source: opts.source });
        const ids = opts.source ? [opts.source] : [...runtime.runners.keys()];
        const results: ApplyResult[] = [];
        for (const id of ids) {
          results.push(await runtime.runners.get(id)!.run({ dryRun: opts.dryRun, full: opts.full, acceptDeletions: opts.acceptDeletions }));
        }
        if (opts.json) return printJson(results.map(summarize));
        for (const r of results) printResult(r);
      } finally {
        await runtime.close();
      }
    });

function summarize(r: ApplyResult): object {
  const c = r.changes;
  return {
    source: r.source,
    dryRun: r.dryRun,
    version: r.version,
    grantsStarted: [...c.grants.started],
    grantsEnded: [...c.grants.ended],
    counts: Object.fromEntries(
      (['accounts', 'groups', 'memberships', 'principals', 'links', 'aliases', 'grants'] as const).map((k) => [k, { started: c[k].started.length, ended: c[k].ended.length }]),
    ),
    conflicts: r.conflicts,
  };
}

function printResult(r: ApplyResult): void {
  const c = r.changes;
  const head = r.dryRun ? `${r.source}: dry run, nothing committed` : r.version ? `${r.source}: committed version ${r.version.id}` : `${r.source}: no change`;
  print(head);
  const rows = (['accounts', 'groups', 'memberships', 'principals', 'grants'] as const).map((k) => [k, String(c[k].started.length), String(c[k].ended.length)]);
  print(formatTable(['ROWS', 'STARTED', 'ENDED'], rows));
  const grantsStarted = [...c.grants.started];
  const grantsEnded = [...c.grants.ended];
  const ended = new Set(grantsEnded.map((g) => `${g.principalId}\u0000${g.role}`));
  const started = new Set(grantsStarted.map((g) => `${g.principalId}\u0000${g.role}`));
  const lines = [
    ...grantsStarted.filter((g) => !ended.has(`${g.principalId}\u0000${g.role}`)).map((g) => `  + ${g.principalId} ${g.role}`),
    ...grantsEnded.filter((g) => !started.has(`${g.principalId}\u0000${g.role}`)).map((g) => `  - ${g.principalId} ${g.role}`),
  ];
  if (lines.length) print(`role changes:\n${lines.slice(0, 200).join('\n')}${lines.length > 200 ? `\n  … and ${lines.length - 200} more (use --json)` : ''}`);
  for (const conflict of r.conflicts) print(`conflict: ${conflict.message} (${conflict.accounts.join(', ')})`);
}
