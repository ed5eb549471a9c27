import type { IncomingHttpHeaders } from 'node:http';
import type { Decision, DecisionRequest } from '../model/decision.js';
import { RosterError } from '../errors/roster-error.js';
import type { AuthzHeaders } from './authz-headers.js';
import { decisionBatchSchema } from './decision-batch-schema.js';
import type { DecisionService } from './decision-service.js';
import type { PlainResponse } from './plain-response.js';
import { validate } from './validate-with-schema.js';
import { requestFromHeaders } from './request-from-headers.js';
import { validateDecisionRequest } from './validate-decision-request.js';

/** One request as the routes need it, whichever HTTP layer parsed it (the body read whole). */
export interface PlainRequest {
  readonly method: string;
  readonly url: string;
  /** Lower-case names. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}


export interface DecisionRouteOptions {
  readonly bodyLimit: number;
  readonly headers: AuthzHeaders;
  /** Whether a role state is loaded and every source is within its maxStaleness. */
  readonly readiness: () => { ready: boolean; details: string[]; roleStateVersion?: number; policyVersion?: string };
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * The decision socket's routes: POST /v1/decision(s), GET /v1/authz (nginx auth_request),
 * /envoy/* (Envoy ext_authz HTTP service), /healthz, /readyz. Errors are thrown as RosterErrors
 * (rendered by error-response.ts); no path through here ever answers allow on an error.
 */
export async function answerDecisionRoute(service: DecisionService, opts: DecisionRouteOptions, req: PlainRequest): Promise<PlainResponse> {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const method = req.method;
  if (path === '/v1/decision') {
    requireMethod(path, method, 'POST');
    return json(200, await service.decide(checked(jsonBody(req, opts.bodyLimit))));
  }
  if (path === '/v1/decisions') {
    requireMethod(path, method, 'POST');
    const batch = validate(decisionBatchSchema, jsonBody(req, opts.bodyLimit));
    // Validate all first: one bad entry rejects the batch before anything is decided or logged.
    const requests = batch.requests.map((r, i) => checked(r, `requests[${i}]: `));
    const decisions = await Promise.all(requests.map((r) => service.decide(r)));
    return json(200, { decisions });
  }
  if (path === '/v1/authz') {
    requireMethod(path, method, 'GET', 'HEAD');
    return verdict(await service.decide(requestFromHeaders(req.headers, opts.headers, {})));
  }
  if (path === '/envoy' || path.startsWith('/envoy/')) {
    const original = path.slice('/envoy'.length) || '/';
    return verdict(await service.decide(requestFromHeaders(req.headers, opts.headers, { path: original, method })));
  }
  if (path === '/healthz') return json(200, { status: 'ok' });
  if (path === '/readyz') {
    const r = opts.readiness();
    return json(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r });
  }
  throw new RosterError('ROSTER_ERR_NOT_FOUND', { method, path });
}

function json(status: number, body: unknown, headers: Readonly<Record<string, string>> = NO_HEADERS): PlainResponse {
  return { status, headers, body: JSON.stringify(body) };
}

/** Content type, size limit and JSON syntax: each failure a distinct 4xx. */
function jsonBody(req: PlainRequest, limit: number): unknown {
  const type = req.headers['content-type'] ?? '';
  if (!JSON_TYPE.test(type)) throw new RosterError('ROSTER_ERR_REQUEST_CONTENT_TYPE', { found: type });
  if (req.body.length > limit) throw new RosterError('ROSTER_ERR_REQUEST_TOO_LARGE', { limit });
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch (err) {
    throw new RosterError('ROSTER_ERR_REQUEST_MALFORMED', { cause: err instanceof Error ? err.message : String(err) });
  }
}

function checked(raw: unknown, where = ''): DecisionRequest {
  const v = validateDecisionRequest(raw);
  if (!v.ok) throw new RosterError('ROSTER_ERR_REQUEST_INVALID', { details: where + v.details });
  return v.request;
}

function requireMethod(path: string, method: string, ...allowed: string[]): void {
  if (!allowed.includes(method)) throw new RosterError('ROSTER_ERR_METHOD_NOT_ALLOWED', { path, method, allowed: allowed.join(' or ') });
}

/** For proxies: 200 allow / 403 deny, the decision in headers (for auth_request_set) and body. */
function verdict(d: Decision): PlainResponse {
  const headers: Record<string, string> = {
    'x-roster-decision': d.decision,
    'x-roster-reason': d.reason,
    'x-roster-decision-id': d.decisionId ?? '',
  };
  // Only an allow names the authorizing role: a proxy must not read a deny rule's role as a grant.
  if (d.authorizedBy && d.decision === 'allow') {
    headers['x-roster-role'] = d.authorizedBy.role;
    headers['x-roster-rule'] = d.authorizedBy.rule;
  }
  if (d.principal) headers['x-roster-principal'] = d.principal;
  return json(d.decision === 'allow' ? 200 : 403, d, headers);
}
