import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { RosterError } from '../errors/roster-error.js';
import { formatIssue, type ConfigIssue } from './config-issue.js';
import { configSchema, type RawConfig } from './config-schema.js';
import type { RosterConfig } from './roster-config.js';
import { parseYamlDocument } from './yaml-document.js';
import { formatPath, zodIssues } from './zod-issues.js';

/** Validates a source's `options` by its type; provided by the composition root's factory map. */
export type OptionsParser = (type: string) => ((raw: unknown) => unknown) | undefined;

/**
 * Loads and validates the YAML config. Every problem is collected and reported together, each
 * naming the file, the line, the path inside the file, what was expected and what was found.
 */
export function loadConfig(file: string, parseOptions: OptionsParser): RosterConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RosterError('ROSTER_ERR_CONFIG_READ', { file: path, cause: (err as NodeJS.ErrnoException).code ?? String(err) });
  }
  return parseConfig(text, path, parseOptions);
}

export function parseConfig(text: string, path: string, parseOptions: OptionsParser): RosterConfig {
  const parsedYaml = parseYamlDocument(text);
  if ('issues' in parsedYaml) throw invalid(path, parsedYaml.issues);
  const { raw, lineOf } = parsedYaml.doc;

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw invalid(path, withLines(zodIssues(parsed.error, raw), parsed.error, lineOf));
  const config = parsed.data;
  const issues: ConfigIssue[] = [];
  const sourceOptions = new Map<string, unknown>();

  const sourceIds = new Set<string>();
  config.sources.forEach((s, i) => {
    if (sourceIds.has(s.id)) issues.push({ path: `sources[${i}].id`, line: lineOf(['sources', i, 'id']), message: `duplicate source id "${s.id}"` });
    sourceIds.add(s.id);
    const parse = parseOptions(s.type);
    if (!parse) {
      issues.push({ path: `sources[${i}].type`, line: lineOf(['sources', i, 'type']), message: `unknown source type "${s.type}"` });
      return;
    }
    try {
      sourceOptions.set(s.id, parse(s.options));
    } catch (err) {
      if (!(err instanceof z.ZodError)) throw err;
      issues.push(...withLines(zodIssues(err, raw, ['sources', i, 'options']), err, lineOf, ['sources', i, 'options']));
    }
  });
  const roleNames = new Set<string>();
  config.roles.forEach((r, i) => {
    if (roleNames.has(r.name)) issues.push({ path: `roles[${i}].name`, line: lineOf(['roles', i, 'name']), message: `duplicate role "${r.name}"` });
    roleNames.add(r.name);
    r.grantedBy.forEach((g, j) => {
      const src = 'group' in g ? g.group.source : 'attribute' in g ? g.attribute.source : undefined;
      if (src !== undefined && !sourceIds.has(src)) {
        const p = ['roles', i, 'grantedBy', j];
        issues.push({ path: formatPath(p), line: lineOf(p), message: `names source "${src}", which is not configured (sources: ${[...sourceIds].join(', ') || 'none'})` });
      }
    });
  });
  config.identity.link.forEach((l, i) => {
    for (const s of l.sources ?? []) {
      if (!sourceIds.has(s)) issues.push({ path: `identity.link[${i}].sources`, line: lineOf(['identity', 'link', i]), message: `names source "${s}", which is not configured` });
    }
  });
  if (issues.length) throw invalid(path, issues);

  const baseDir = dirname(path);
  return {
    ...config,
    file: path,
    baseDir,
    sourceOptions,
    store: { path: config.store.path === ':memory:' ? ':memory:' : resolve(baseDir, config.store.path) },
    listen: {
      ...config.listen,
      decision: { ...config.listen.decision, path: resolve(baseDir, config.listen.decision.path) },
      admin: { ...config.listen.admin, path: resolve(baseDir, config.listen.admin.path) },
    },
    policy: config.policy ? { file: resolve(baseDir, config.policy.file) } : undefined,
    decisionLog: {
      ...config.decisionLog,
      path: config.decisionLog.path ? resolve(baseDir, config.decisionLog.path) : join(dirname(resolve(baseDir, config.store.path)), 'roster-decisions.db'),
      headSink: config.decisionLog.headSink?.file ? { ...config.decisionLog.headSink, file: resolve(baseDir, config.decisionLog.headSink.file) } : config.decisionLog.headSink,
    },
  } satisfies RawConfig & Omit<RosterConfig, keyof RawConfig>;
}

export function withLines(
  issues: ConfigIssue[],
  error: z.ZodError,
  lineOf: (p: (string | number)[]) => number | undefined,
  prefix: (string | number)[] = [],
): ConfigIssue[] {
  return issues.map((issue, i) => ({
    ...issue,
    line: lineOf([...prefix, ...error.issues[i]!.path.filter((p): p is string | number => typeof p !== 'symbol')]),
  }));
}

function invalid(file: string, issues: readonly ConfigIssue[]): RosterError {
  const details = issues.map((i) => '\n  ' + formatIssue(file, i)).join('');
  return new RosterError('ROSTER_ERR_CONFIG_INVALID', { file, details, issues });
}
