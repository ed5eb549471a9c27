import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Server, type Socket } from 'node:net';
import type { AuthzHeaders } from './authz-headers.js';
import { answerDecisionRoute, type PlainRequest } from './decision-routes.js';
import { errorResponse } from './error-response.js';
import type { DecisionService } from './decision-service.js';
import { FastHttpConnection } from './fast-http-connection.js';
import { writePlain, type PlainResponse } from './plain-response.js';
import { readBody } from './read-body.js';

export interface DecisionServerOptions {
  readonly bodyLimit: number;
  readonly headers: AuthzHeaders;
  /** Whether a role state is loaded and every source is within its maxStaleness. */
  readonly readiness: () => { ready: boolean; details: string[]; roleStateVersion?: number; policyVersion?: string };
  /** Slow or stalled clients (slowloris) are cut off after these (defaults 5 s and 10 s). */
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

const KEEP_ALIVE_MS = 65_000;

/**
 * The gateways' socket: HTTP/1.1 with keep-alive (routes in decision-routes.ts). Requests in the
 * plain form gateways send are served by FastHttpConnection straight off the socket — node:http's
 * per-request objects and streams cost more CPU than a decision — and a connection that sends
 * anything else (chunked bodies, Expect, oversized heads or bodies, …) is handed to a node:http
 * server for the rest of its life. Every error is a 4xx/5xx with a code from the error table.
 */
export class DecisionServer extends Server {
  private readonly fastConnections = new Set<FastHttpConnection>();
  private readonly http;
  private shuttingDown = false;

  constructor(service: DecisionService, opts: DecisionServerOptions) {
    // Half-open: a client that sends its request and then FIN still gets the answer.
    super({ allowHalfOpen: true });
    const headersTimeoutMs = opts.headersTimeoutMs ?? 5_000;
    const requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    const answer = (req: PlainRequest): Promise<PlainResponse> => answerDecisionRoute(service, opts, req);
    // Node checks these timeouts on an interval (30 s by default): check often enough to matter.
    this.http = createHttpServer({ connectionsCheckingInterval: Math.min(1_000, Math.ceil(headersTimeoutMs / 2)) }, (req, res) => {
      void viaNodeHttp(req, res, opts.bodyLimit, answer);
    });
    this.http.headersTimeout = headersTimeoutMs;
    this.http.requestTimeout = requestTimeoutMs;
    this.http.keepAliveTimeout = KEEP_ALIVE_MS;
    this.on('connection', (socket: Socket) => {
      const c = new FastHttpConnection(socket, {
        bodyLimit: opts.bodyLimit,
        headersTimeoutMs,
        requestTimeoutMs,
        keepAliveTimeoutMs: KEEP_ALIVE_MS,
        answer,
        fallback: (stream) => {
          this.fastConnections.delete(c);
          this.http.emit('connection', stream);
        },
        closing: () => this.shuttingDown,
      });
      this.fastConnections.add(c);
      socket.once('close', () => this.fastConnections.delete(c));
    });
  }

  /** Stops accepting; answers in flight are sent with `connection: close`. */
  override close(callback?: (err?: Error) => void): this {
    this.shuttingDown = true;
    this.http.close();
    return super.close(callback);
  }

  /** Closes connections with no request in progress (as node:http's server does). */
  closeIdleConnections(): void {
    for (const c of this.fastConnections) if (c.idle) c.destroy();
    this.http.closeIdleConnections();
  }

  closeAllConnections(): void {
    for (const c of this.fastConnections) c.destroy();
    this.http.closeAllConnections();
  }
}

export function createDecisionServer(service: DecisionService, opts: DecisionServerOptions): DecisionServer {
  return new DecisionServer(service, opts);
}

/** The node:http path: the body read with its limit (chunked included), then the same routes. */
async function viaNodeHttp(req: IncomingMessage, res: ServerResponse, limit: number, answer: (r: PlainRequest) => Promise<PlainResponse>): Promise<void> {
  let r: PlainResponse;
  try {
    const body = await readBody(req, limit);
    r = await answer({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body });
  } catch (err) {
    r = errorResponse(err);
  }
  if (res.headersSent) return void res.destroy();
  writePlain(res, r, req.method === 'HEAD');
}
