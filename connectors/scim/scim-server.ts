import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ConnectorLog } from '../connector.js';
import { authenticate, type TokenHash } from './bearer-auth.js';
import type { ScimOptions } from './config.js';
import type { GroupsEndpoint } from './groups-endpoint.js';
import { RateLimiter } from './rate-limiter.js';
import { readJsonBody } from './request-body.js';
import { route } from './router.js';
import { ScimError, notFound } from './scim-error.js';
import { queryOf, type ScimRequest, type ScimResponse } from './scim-http.js';
import type { UsersEndpoint } from './users-endpoint.js';

export interface ServerDeps {
  readonly options: ScimOptions;
  readonly tokens: readonly TokenHash[];
  readonly users: UsersEndpoint;
  readonly groups: GroupsEndpoint;
  readonly log: ConnectorLog;
  readonly tls?: { readonly cert: string; readonly key: string };
}

const CONTENT_TYPE = 'application/scim+json; charset=utf-8';
/** Failed authentications allowed per client address (per second, burst), to slow token guessing. */
const AUTH_FAILURES = { perSecond: 2, burst: 20 };

/**
 * The HTTP(S) listener: base path, bearer authentication, rate limits, body limits, and SCIM error
 * bodies for every failure. A request that reaches a handler is answered after its write commits.
 */
export class ScimServer {
  private readonly server: Server;
  private readonly limiter: RateLimiter | null;
  private readonly failures = new RateLimiter(AUTH_FAILURES.perSecond, AUTH_FAILURES.burst);
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly deps: ServerDeps) {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      const p = this.handle(req, res).finally(() => this.inflight.delete(p));
      this.inflight.add(p);
    };
    this.server = deps.tls ? createHttpsServer({ cert: deps.tls.cert, key: deps.tls.key, minVersion: 'TLSv1.2' }, handler) : createHttpServer(handler);
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 60_000;
    this.server.keepAliveTimeout = 5_000;
    const rl = deps.options.rateLimit;
    this.limiter = rl === false ? null : new RateLimiter(rl.perSecond, rl.burst ?? Math.max(1, Math.ceil(rl.perSecond * 2)));
  }

  listen(): Promise<AddressInfo> {
    const { host, port } = this.deps.options.listen;
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  address(): AddressInfo | null {
    return (this.server.address() as AddressInfo | null) ?? null;
  }

  /** Stops accepting, lets requests in flight finish (their writes commit), then closes connections. */
  async close(graceMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    let response: ScimResponse;
    try {
      response = await this.process(req);
    } catch (err) {
      if (err instanceof ScimError) response = { status: err.status, body: err.body(), headers: err.headers };
      else {
        this.deps.log.error({ err: err instanceof Error ? err.stack ?? err.message : String(err), method: req.method }, 'scim: internal error');
        const e = new ScimError(500, undefined, 'internal error');
        response = { status: 500, body: e.body() };
      }
    }
    send(res, response);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    this.deps.log.debug({ method: req.method, path: req.url?.split('?')[0], status: response.status, ms: Math.round(ms * 10) / 10 }, 'scim request');
  }

  private async process(req: IncomingMessage): Promise<ScimResponse> {
    const { options } = this.deps;
    let url: URL;
    let segments: string[];
    try {
      url = new URL(req.url ?? '/', 'http://scim.invalid');
      segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new ScimError(400, 'invalidSyntax', 'malformed request URL');
    }
    const base = options.basePath.split('/').filter(Boolean);
    if (segments.length < base.length || base.some((b, i) => b.toLowerCase() !== segments[i]!.toLowerCase())) {
      throw notFound(`not a SCIM path; the base path is ${options.basePath || '/'}`);
    }
    this.authorize(req);
    let read: Promise<unknown> | null = null;
    const request: ScimRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      segments: segments.slice(base.length),
      query: queryOf(url.searchParams),
      body: () => (read ??= readJsonBody(req, options.bodyLimit)),
      baseUrl: this.baseUrl(req),
    };
    return route(request, this.deps.users, this.deps.groups, options.maxResults);
  }

  private authorize(req: IncomingMessage): void {
    let token: string;
    try {
      token = authenticate(req.headers.authorization, this.deps.tokens);
    } catch (err) {
      const wait = this.failures.take(req.socket.remoteAddress ?? '?');
      if (wait > 0) throw tooMany(wait);
      throw err;
    }
    const wait = this.limiter?.take(token) ?? 0;
    if (wait > 0) throw tooMany(wait);
  }

  private baseUrl(req: IncomingMessage): string {
    const { options } = this.deps;
    if (options.publicUrl) return options.publicUrl;
    const host = req.headers.host;
    const addr = this.address();
    const safe = host && /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? host : `${options.listen.host}:${addr?.port ?? options.listen.port}`;
    return `${this.deps.tls ? 'https' : 'http'}://${safe}${options.basePath}`;
  }
}

const tooMany = (seconds: number): ScimError =>
  new ScimError(429, undefined, `too many requests; retry after ${seconds} s`, { 'Retry-After': String(seconds) });

function send(res: ServerResponse, r: ScimResponse): void {
  if (res.headersSent) return;
  const headers: Record<string, string | number> = { 'Cache-Control': 'no-store', ...r.headers };
  if (r.body === undefined) {
    res.writeHead(r.status, headers).end();
    return;
  }
  const text = JSON.stringify(r.body);
  headers['Content-Type'] = CONTENT_TYPE;
  headers['Content-Length'] = Buffer.byteLength(text);
  res.writeHead(r.status, headers).end(text);
}
