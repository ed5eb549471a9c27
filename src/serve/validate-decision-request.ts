import { IDENTIFIER_KINDS } from '../model/identifier.js';
import type { DecisionRequest } from '../model/decision.js';
import { isCanonicalPath } from '../policy/canonical-path.js';

const KINDS: ReadonlySet<string> = new Set([...IDENTIFIER_KINDS, 'principal']);
const REQUEST_KEYS: ReadonlySet<string> = new Set(['subject', 'route', 'method', 'action', 'resource', 'context']);
const SUBJECT_KEYS: ReadonlySet<string> = new Set(['id', 'issuer', 'kind']);
export const MAX_CONTEXT_DEPTH = 6;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max: number): v is string => typeof v === 'string' && v.length >= 1 && v.length <= max;

function depth(v: unknown, d: number): number {
  if (d > MAX_CONTEXT_DEPTH || v === null || typeof v !== 'object') return d;
  let max = d;
  for (const x of Object.values(v)) {
    max = Math.max(max, depth(x, d + 1));
    if (max > MAX_CONTEXT_DEPTH) break;
  }
  return max;
}

/**
 * The decision request contract (ARCHITECTURE.md, docs/decision-api.md), checked strictly by
 * hand: this runs on every request, where a schema library costs more than the decision.
 * Returns the request (method upper-cased) or the problems found.
 */
export function validateDecisionRequest(raw: unknown): { ok: true; request: DecisionRequest } | { ok: false; details: string } {
  const problems: string[] = [];
  if (!isObject(raw)) return { ok: false, details: '(body): expected an object' };
  for (const k of Object.keys(raw)) if (!REQUEST_KEYS.has(k)) problems.push(`${k}: unknown key`);
  const s = raw.subject;
  if (!isObject(s)) problems.push('subject: expected an object { id, issuer?, kind? }');
  else {
    for (const k of Object.keys(s)) if (!SUBJECT_KEYS.has(k)) problems.push(`subject.${k}: unknown key`);
    if (!text(s.id, 1024)) problems.push('subject.id: expected a string of 1 to 1024 characters');
    if (s.issuer !== undefined && !text(s.issuer, 2048)) problems.push('subject.issuer: expected a string of 1 to 2048 characters');
    if (s.kind !== undefined && !(typeof s.kind === 'string' && KINDS.has(s.kind))) problems.push(`subject.kind: must be one of ${[...KINDS].join(', ')}`);
  }
  if (!text(raw.route, 4096)) problems.push('route: expected a string of 1 to 4096 characters');
  else if (!isCanonicalPath(raw.route)) problems.push('route: must be a canonical path starting with "/" (no "." or ".." segments, "//", encoded dots or slashes, backslashes, query or control characters)');
  if (raw.method !== undefined && !(typeof raw.method === 'string' && /^[A-Za-z]{1,16}$/.test(raw.method))) problems.push('method: expected 1 to 16 letters');
  if (raw.action !== undefined && !text(raw.action, 128)) problems.push('action: expected a string of 1 to 128 characters');
  if (raw.resource !== undefined) {
    if (!isObject(raw.resource)) problems.push('resource: expected an object of strings');
    else for (const [k, v] of Object.entries(raw.resource)) if (k.length < 1 || k.length > 128 || typeof v !== 'string' || v.length > 1024) problems.push(`resource.${k.slice(0, 40)}: expected a string of at most 1024 characters`);
  }
  if (raw.context !== undefined) {
    if (!isObject(raw.context)) problems.push('context: expected an object');
    else if (Object.keys(raw.context).some((k) => k.length > 128)) problems.push('context: keys longer than 128 characters');
    else if (depth(raw.context, 0) > MAX_CONTEXT_DEPTH) problems.push(`context: nests deeper than ${MAX_CONTEXT_DEPTH} levels`);
  }
  if (problems.length) return { ok: false, details: problems.join('; ') };
  const req = raw as unknown as DecisionRequest;
  return { ok: true, request: typeof req.method === 'string' && req.method !== req.method.toUpperCase() ? { ...req, method: req.method.toUpperCase() } : req };
}
