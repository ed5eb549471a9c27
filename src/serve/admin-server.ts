import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ComplianceService } from '../compliance/compliance-service.js';
import { addContextValue } from '../compliance/add-context-value.js';
import { atOf, instantOf } from '../compliance/parse-at.js';
import { reportCsv } from '../compliance/report-csv.js';
import type { RequestShape } from '../compliance/who-could.js';
import { RosterError } from '../errors/roster-error.js';
import { sendError, sendJson } from './send-json.js';

export interface AdminServerOptions {
  readonly compliance: ComplianceService;
  /** Per-source sync state for /v1/status. */
  readonly status: () => unknown;
  /** Prometheus exposition for /metrics (absent: 404). */
  readonly metrics?: () => Promise<string>;
  /** The chain-head file to check in /v1/audit/verify. */
  readonly headsFile?: string;
}

const MAX_LIMIT = 10_000;

/**
 * The admin socket: read-only HTTP over a Unix socket of its own (its file mode keeps gateways
 * out). Every endpoint answers what the matching CLI command prints with --json (or --csv with
 * `format=csv`), from the same ComplianceService, so the two never disagree. See docs/admin-api.md.
 */
export function createAdminServer(opts: AdminServerOptions): Server {
  const server = createServer((req, res) => {
    route(opts, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

async function route(opts: AdminServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://admin');
  const path = url.pathname;
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') throw new RosterError('ROSTER_ERR_METHOD_NOT_ALLOWED', { path, method, allowed: 'GET' });
  const c = opts.compliance;
  const csv = q.get('format') === 'csv';
  switch (path) {
    case '/healthz':
      return sendJson(res, 200, { ok: true });
    case '/metrics': {
      if (!opts.metrics) break;
      const text = await opts.metrics();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      return void res.end(text);
    }
    case '/v1/status':
      return sendJson(res, 200, opts.status());
    case '/v1/who-could': {
      const r = c.whoCould(requestShape(q), atOf(q.get('at')));
      return csv ? sendCsv(res, reportCsv.whoCould(r)) : sendJson(res, 200, r);
    }
    case '/v1/timeline': {
      const t = c.timeline(required(q, 'subject'), q.get('issuer') ?? undefined);
      return csv ? sendCsv(res, reportCsv.timeline(t)) : sendJson(res, 200, t);
    }
    case '/v1/access-review': {
      const a = c.accessReview(required(q, 'role'), atOf(q.get('at')));
      return csv ? sendCsv(res, reportCsv.accessReview(a)) : sendJson(res, 200, a);
    }
    case '/v1/audit/search': {
      const decision = q.get('decision') ?? undefined;
      if (decision !== undefined && decision !== 'allow' && decision !== 'deny') throw invalid('decision must be allow or deny');
      return sendJson(
        res,
        200,
        c.search({
          subject: q.get('subject') ?? undefined,
          route: q.get('route') ?? undefined,
          decision,
          since: instantOf(q.get('since')),
          until: instantOf(q.get('until')),
          after: intParam(q, 'after', 0, Number.MAX_SAFE_INTEGER) ?? 0,
          limit: intParam(q, 'limit', 1, MAX_LIMIT) ?? 100,
        }),
      );
    }
    case '/v1/audit/verify': {
      const r = c.verify({ since: instantOf(q.get('since')), until: instantOf(q.get('until')), headsFile: opts.headsFile });
      return sendJson(res, 200, { ...r.chain, heads: r.heads });
    }
    default:
      if (path.startsWith('/v1/audit/replay/')) return sendJson(res, 200, c.replay(decodeURIComponent(path.slice('/v1/audit/replay/'.length))));
  }
  throw new RosterError('ROSTER_ERR_NOT_FOUND', { method, path });
}

const invalid = (details: string): RosterError => new RosterError('ROSTER_ERR_QUERY_INVALID', { details });

function required(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (!v) throw invalid(`the ${name} parameter is required`);
  return v;
}

function intParam(q: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw invalid(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** who-could's request: route, method, action, model, endpoint, resource.K=V, context.K=V (JSON values parsed). */
function requestShape(q: URLSearchParams): RequestShape {
  const resource: Record<string, string> = {};
  const context: Record<string, unknown> = {};
  for (const [k, v] of q) {
    if (k === 'model' || k === 'endpoint') resource[k] = v;
    else if (k.startsWith('resource.')) resource[k.slice(9)] = v;
    else if (k.startsWith('context.')) addContextValue(context, k.slice(8), v);
  }
  const action = q.get('action');
  return {
    route: required(q, 'route'),
    method: (q.get('method') ?? 'GET').toUpperCase(),
    ...(action ? { action } : {}),
    ...(Object.keys(resource).length ? { resource } : {}),
    ...(Object.keys(context).length ? { context } : {}),
  };
}

function sendCsv(res: ServerResponse, text: string): void {
  res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
