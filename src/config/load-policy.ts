import { readFileSync } from 'node:fs';
import { RosterError } from '../errors/roster-error.js';
import { compilePolicy } from '../policy/compile-policy.js';
import type { CompiledPolicy } from '../policy/compiled-policy.js';
import { policyHash } from '../policy/policy-hash.js';
import { policySchema } from '../policy/policy-schema.js';
import { formatIssue, type ConfigIssue } from './config-issue.js';
import { withLines } from './load-config.js';
import { parseYamlDocument } from './yaml-document.js';
import { zodIssues } from './zod-issues.js';

export interface LoadedPolicy {
  readonly file: string;
  readonly text: string;
  readonly hash: string;
  readonly policy: CompiledPolicy;
}

/** Reads, validates and compiles a policy file; every problem is reported with file, line and path. */
export function loadPolicy(file: string, knownRoles: ReadonlySet<string>): LoadedPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RosterError('ROSTER_ERR_POLICY_READ', { file, cause: (err as NodeJS.ErrnoException).code ?? String(err) });
  }
  return parsePolicy(text, file, knownRoles);
}

export function parsePolicy(text: string, file: string, knownRoles: ReadonlySet<string>): LoadedPolicy {
  const parsed = parseYamlDocument(text);
  if ('issues' in parsed) throw invalid(file, parsed.issues);
  const { raw, lineOf } = parsed.doc;
  const result = policySchema.safeParse(raw);
  if (!result.success) throw invalid(file, withLines(zodIssues(result.error, raw), result.error, lineOf));
  const hash = policyHash(text);
  const { policy, problems } = compilePolicy(result.data, hash, knownRoles);
  if (problems.length) {
    throw invalid(
      file,
      problems.map((p) => ({ path: p.path, message: p.message, line: lineOf(p.path.split(/[.[\]]+/).filter(Boolean).map((x) => (/^\d+$/.test(x) ? Number(x) : x))) })),
    );
  }
  return { file, text, hash, policy };
}

function invalid(file: string, issues: readonly ConfigIssue[]): RosterError {
  return new RosterError('ROSTER_ERR_POLICY_INVALID', { file, details: issues.map((i) => '\n  ' + formatIssue(file, i)).join(''), issues });
}
