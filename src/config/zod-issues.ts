import type { z } from 'zod';
import type { ConfigIssue } from './config-issue.js';

/** Turns zod issues into config issues that say what was expected and what was found. */
export function zodIssues(error: z.ZodError, root: unknown, prefix: readonly (string | number)[] = []): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    const found = valueAt(root, path);
    let message = issue.message;
    if (issue.code === 'invalid_type') {
      message = `expected ${issue.expected}, found ${describe(found)}`;
    } else if (issue.code === 'unrecognized_keys') {
      message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; see docs/configuration.md)`;
    } else if (issue.code === 'invalid_value') {
      message = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, found ${describe(found)}`;
    } else if (found !== undefined && !/found/.test(message)) {
      message = `${message}, found ${describe(found)}`;
    }
    return { path: formatPath(path), message };
  });
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
