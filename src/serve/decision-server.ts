import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Decision, DecisionRequest } from '../model/decision.js';
import { RosterError } from '../errors/roster-error.js';
import type { AuthzHeaders } from './authz-headers.js';
import { decisionBatchSchema } from './decision-batch-schema.js';
import type { DecisionService } from './decision-service.js';
import { parseJson, validate } from './parse-json-body.js';
import { validateDecisionRequest } from './validate-decision-request.js';
import { requestFromHeaders } from './request-from-headers.js';
import { sendError, sendJson } from './send-json.js';

export interface DecisionServerOptions {
  readonly bodyLimit: number;
  readonly headers: AuthzHeaders;
  /** Whether a role state is loaded and every source is within its maxStaleness. */
  readonly readiness: () => { ready: boolean; details: string[]; roleStateVersion?: number; policyVersion?: string };
  /** Slow or stalled clients (slowloris) are cut off after these (defaults 5 s and 10 s). */
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

/**
 * The gateways' socket: HTTP/1.1 with keep-alive. POST /v1/decision(s), GET /v1/authz (nginx
 * auth_request), /envoy/* (Envoy ext_authz HTTP service), /healthz, /readyz. Every error is a
 * 4xx/5xx with a code from the error table; no error path ever answers allow.
 */
export function createDecisionServer(service: DecisionService, opts: DecisionServerOptions): Server {
  const headersTimeout = opts.headersTimeoutMs ?? 5_000;
  // Node checks these timeouts on an interval (30 s by default): check often enough to matter.
  const server = createServer({ connectionsCheckingInterval: Math.min(1_000, Math.ceil(headersTimeout / 2)) }, (req, res) => {
    route(service, opts, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    });
  });
  // Slow or stalled clients (slowloris) are cut off instead of holding sockets forever.
  server.headersTimeout = headersTimeout;
  server.requestTimeout = opts.requestTimeoutMs ?? 10_000;
  server.keepAliveTimeout = 65_000;
  return server;
}

async function route(service: DecisionService, opts: DecisionServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  const method = req.method ?? 'GET';
  if (path === '/v1/decision') {
    requireMethod(path, method, 'POST');
    return sendJson(res, 200, await service.decide(checked(await parseJson(req, opts.bodyLimit))));
  }
  if (path === '/v1/decisions') {
    requireMethod(path, method, 'POST');
    const batch = validate(decisionBatchSchema, await parseJson(req, opts.bodyLimit));
    // Validate all first: one bad entry rejects the batch before anything is decided or logged.
    const requests = batch.requests.map((r, i) => checked(r, `requests[${i}]: `));
    const decisions = await Promise.all(requests.map((r) => service.decide(r)));
    return sendJson(res, 200, { decisions });
  }
  if (path === '/v1/authz') {
    requireMethod(path, method, 'GET', 'HEAD');
    return sendVerdict(res, await service.decide(requestFromHeaders(req.headers, opts.headers, {})));
  }
  if (path === '/envoy' || path.startsWith('/envoy/')) {
    const original = path.slice('/envoy'.length) || '/';
    return sendVerdict(res, await service.decide(requestFromHeaders(req.headers, opts.headers, { path: original, method })));
  }
  if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (path === '/readyz') {
    const r = opts.readiness();
    return sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r });
  }
  throw new RosterError('ROSTER_ERR_NOT_FOUND', { method, path });
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
function sendVerdict(res: ServerResponse, d: Decision): void {
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
  sendJson(res, d.decision === 'allow' ? 200 : 403, d, headers);
}
