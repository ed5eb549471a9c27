import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadPolicy } from '../config/load-policy.js';
import { loadRosterConfig } from '../daemon.js';
import { EXIT } from '../errors/error-codes.js';
import type { DecisionRequest } from '../model/decision.js';
import { decide } from '../policy/decide.js';
import { buildDecisionIndex } from '../policy/decision-index.js';
import { policySchema } from '../policy/policy-schema.js';
import { validateDecisionRequest } from '../serve/validate-decision-request.js';
import { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { DEFAULT_CONFIG } from './config-option.js';
import { formatTable } from './format-table.js';
import { print, printJson } from './output.js';

const casesSchema = z
  .object({
    cases: z
      .array(
        z
          .object({
            name: z.string().min(1),
            request: z.unknown().transform((raw, ctx) => {
              const v = validateDecisionRequest(raw);
              if (v.ok) return v.request;
              ctx.addIssue({ code: 'custom', message: v.details });
              return z.NEVER;
            }),
            expect: z.enum(['allow', 'deny']),
            reason: z.string().optional(),
            rule: z.string().optional(),
            role: z.string().optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/** Everything the policy tools need: config roles, the current role state, evaluation "now". */
function context(configFile: string) {
  const config = loadRosterConfig(configFile);
  const roles = new Set(config.roles.map((r) => r.name));
  const ranks = new Map(config.roles.map((r) => [r.name, r.rank]));
  const store = SqliteRoleStore.openReadonly(config.store.path);
  const latest = store.history.latestVersion();
  const state = latest ? store.history.stateAt(latest.id) : { principals: new Map(), grants: new Map(), principalOfAccount: new Map(), conflicts: [] };
  store.close();
  const now = Date.now();
  // Policy tools judge the policy, not the sync: every source counts as fresh.
  const freshness = new Map(config.sources.map((s) => [s.id, { lastSuccessAt: now, maxStalenessMs: s.maxStaleness }]));
  return { config, roles, ranks, state, version: latest?.id ?? 0, now, freshness };
}

const checkCommand = (): Command =>
  new Command('check')
    .description('validate and compile a policy file against the configured roles (exit 0 valid, 3 invalid)')
    .argument('<file>', 'policy file')
    .option('-c, --config <file>', 'configuration file (for the role names)', DEFAULT_CONFIG)
    .action((file: string, opts: { config: string }) => {
      const config = loadRosterConfig(opts.config);
      const p = loadPolicy(file, new Set(config.roles.map((r) => r.name)));
      const doc = policySchema.parse(parse(p.text) ?? {});
      print(`${file}: valid (${doc.routes.length} route(s), ${doc.rules.length} rule(s), ${doc.combining}); version ${p.hash}`);
    });

const testCommand = (): Command =>
  new Command('test')
    .description('run expected decisions against the current role state; exit 6 on any mismatch (for CI)')
    .argument('<cases>', 'YAML file: cases: [{ name, request, expect: allow|deny, reason?, rule?, role? }]')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('--policy <file>', 'policy file to test (default: the configured one)')
    .option('--json', 'machine-readable output')
    .action((file: string, opts: { config: string; policy?: string; json?: boolean }) => {
      const ctx = context(opts.config);
      const policyFile = opts.policy ?? ctx.config.policy?.file;
      if (!policyFile) throw new Error('no policy: pass --policy FILE or set policy.file in the config');
      const p = loadPolicy(policyFile, ctx.roles);
      const cases = casesSchema.parse(parse(readFileSync(file, 'utf8')));
      const index = buildDecisionIndex(ctx.state, ctx.version, p.policy, ctx.ranks);
      const results = cases.cases.map((c) => {
        const d = decide(index, c.request as DecisionRequest, ctx.now, ctx.freshness);
        const problems: string[] = [];
        if (d.decision !== c.expect) problems.push(`expected ${c.expect}, got ${d.decision} (${d.reason})`);
        if (c.reason && d.reason !== c.reason) problems.push(`expected reason ${c.reason}, got ${d.reason}`);
        if (c.rule && d.authorizedBy?.rule !== c.rule) problems.push(`expected rule ${c.rule}, got ${d.authorizedBy?.rule ?? 'none'}`);
        if (c.role && d.authorizedBy?.role !== c.role) problems.push(`expected role ${c.role}, got ${d.authorizedBy?.role ?? 'none'}`);
        return { name: c.name, ok: problems.length === 0, problems, decision: d };
      });
      const failed = results.filter((r) => !r.ok);
      if (opts.json) printJson({ policy: p.hash, roleStateVersion: ctx.version, passed: results.length - failed.length, failed: failed.length, results });
      else {
        for (const r of results) print(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.ok ? '' : ': ' + r.problems.join('; ')}`);
        print(`${results.length - failed.length} passed, ${failed.length} failed`);
      }
      if (failed.length) process.exitCode = EXIT.mismatch;
    });

const diffCommand = (): Command =>
  new Command('diff')
    .description('which principals gain or lose access to which routes if OLD is replaced by NEW (under the current role state)')
    .argument('<old>', 'the policy in force')
    .argument('<new>', 'the candidate policy')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('--json', 'machine-readable output')
    .action(async (oldFile: string, newFile: string, opts: { config: string; json?: boolean }) => {
      const { policyProbes } = await import('./policy-probes.js');
      const ctx = context(opts.config);
      const before = loadPolicy(oldFile, ctx.roles);
      const after = loadPolicy(newFile, ctx.roles);
      const docs = [policySchema.parse(parse(before.text) ?? {}), policySchema.parse(parse(after.text) ?? {})];
      const a = buildDecisionIndex(ctx.state, ctx.version, before.policy, ctx.ranks);
      const b = buildDecisionIndex(ctx.state, ctx.version, after.policy, ctx.ranks);
      const probes = policyProbes(docs);
      const changes: { principal: string; name: string; route: string; action: string | null; context: unknown; before: string; after: string }[] = [];
      // With every source fresh, a decision depends only on the role set: evaluate each set once.
      const byRoles = new Map<readonly string[], string[]>();
      for (const [pid, entry] of a.principals) {
        if (entry.status !== 'active') continue;
        const list = byRoles.get(entry.roles);
        if (list) list.push(pid);
        else byRoles.set(entry.roles, [pid]);
      }
      for (const pids of byRoles.values()) {
        for (const probe of probes) {
          const req = { ...probe.request, subject: { id: pids[0]!, kind: 'principal' } } as DecisionRequest;
          const x = decide(a, req, ctx.now, ctx.freshness);
          const y = decide(b, req, ctx.now, ctx.freshness);
          if (x.decision === y.decision) continue;
          for (const pid of pids) {
            changes.push({ principal: pid, name: ctx.state.principals.get(pid)?.displayName ?? pid, route: probe.route, action: probe.action ?? null, context: probe.request.context ?? {}, before: x.decision, after: y.decision });
          }
        }
      }
      if (opts.json) return printJson({ from: before.hash, to: after.hash, roleStateVersion: ctx.version, changes });
      print(`${changes.length} access change(s) from ${before.hash.slice(0, 19)}… to ${after.hash.slice(0, 19)}… (role-state version ${ctx.version})`);
      if (changes.length) {
        print(formatTable(['PRINCIPAL', 'NAME', 'ROUTE', 'ACTION', 'CONTEXT', 'CHANGE'], changes.map((c) => [c.principal, c.name, c.route, c.action ?? '-', JSON.stringify(c.context), c.after === 'allow' ? 'gains' : 'loses'])));
      }
    });

export const policyCommand = (): Command =>
  new Command('policy').description('policy tools: check, test, diff').addCommand(checkCommand()).addCommand(testCommand()).addCommand(diffCommand());
