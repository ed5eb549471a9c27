import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FilterError, parseFilter } from './filter.js';
import { FakeAuthServer } from './oauth.js';
import { FakeOrg, upperBound, type GroupRec, type LogRec, type UserRec } from './org.js';
import { fakeBucketOf, OKTA_WORKFORCE_LIMITS, RateLimits, type FakeBucket } from './rate-limits.js';

/**
 * A fake Okta org on loopback, following the documented management API closely enough for the
 * connector and the real SDK: /api/v1/users (filter, search, limit, after), /api/v1/groups
 * (filter on type/lastUpdated/lastMembershipUpdated), /api/v1/groups/{id}/users, /api/v1/logs
 * (since/until/filter/sortOrder/after, polling), absolute `Link: <…>; rel="next"` headers,
 * X-Rate-Limit-* headers with per-bucket limits in scaled-down time, SSWS and OAuth bearer
 * tokens (with scopes), /oauth2/v1/token, and faults injected on demand.
 */

export interface FakeOktaOptions {
  /** Length of a rate-limit window in real ms (a whole number of seconds). Okta's is 60000. */
  readonly windowMs?: number;
  /** Requests per window, per bucket (default: Okta's published per-minute limits). */
  readonly limits?: Partial<Record<FakeBucket, number>>;
  /** Concurrent requests Okta accepts per org. */
  readonly concurrency?: number;
  readonly apiTokens?: readonly string[];
  /** Artificial latency added to every answer. */
  readonly latencyMs?: number;
}

/** A fault answered instead of the real response, for requests that `match`. */
export interface Fault {
  readonly match: (r: { method: string; path: string; query: URLSearchParams }) => boolean;
  /** Let this many matching requests through first. */
  skip?: number;
  /** Answer this many matching requests with the fault. */
  count: number;
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** Close the connection without an answer. */
  readonly destroy?: boolean;
  /** Hold the answer this long (a timeout, when longer than the client's). */
  readonly delayMs?: number;
}

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly bucket: FakeBucket;
  readonly status: number;
  /** When the request arrived. */
  readonly at: number;
}

const MAX_LIMIT = { users: 200, groups: 10_000, members: 1_000, logs: 1_000 };
const USER_FILTER_ATTRS = ['status', 'lastUpdated', 'id', 'profile.login', 'profile.email', 'profile.firstName', 'profile.lastName'];
const GROUP_FILTER_ATTRS = ['id', 'type', 'lastUpdated', 'lastMembershipUpdated'];
const SCOPE_OF: Partial<Record<FakeBucket, string>> = { users: 'okta.users.read', 'user-by-id': 'okta.users.read', groups: 'okta.groups.read', 'group-by-id': 'okta.groups.read', logs: 'okta.logs.read' };

const oktaError = (code: string, summary: string) => ({ errorCode: code, errorSummary: summary, errorLink: code, errorId: `oae${Math.random().toString(36).slice(2, 12)}`, errorCauses: [] });

export class FakeOkta {
  readonly org: FakeOrg;
  readonly auth: FakeAuthServer;
  readonly limits: RateLimits;
  readonly apiTokens: Set<string>;
  readonly faults: Fault[] = [];
  readonly requests: RequestRecord[] = [];
  /** 429s answered because a bucket's budget was spent (not injected ones). */
  enforced429 = 0;
  injected429 = 0;
  maxInFlight = 0;
  recordRequests = true;
  latencyMs: number;
  private inFlight = 0;
  private stormUntil = 0;
  private server: Server | null = null;
  url = '';

  constructor(private readonly opts: FakeOktaOptions = {}) {
    this.org = new FakeOrg();
    this.auth = new FakeAuthServer();
    this.limits = new RateLimits({ ...OKTA_WORKFORCE_LIMITS, ...opts.limits }, opts.windowMs ?? 60_000);
    this.apiTokens = new Set(opts.apiTokens ?? ['test-api-token']);
    this.latencyMs = opts.latencyMs ?? 0;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.json(res, 500, oktaError('E0000009', `Internal Server Error: ${(err as Error).message}`));
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.org.origin = this.url;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Answers every request with 429 (Remaining 0, Reset at the storm's end) for `ms`. */
  storm(ms: number): void {
    this.stormUntil = Date.now() + ms;
  }

  inject(f: Fault): Fault {
    this.faults.push(f);
    return f;
  }

  count(pred: (r: RequestRecord) => boolean): number {
    return this.requests.filter(pred).length;
  }

  // ------------------------------------------------------------------ dispatch

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const path = u.pathname;
    const bucket = fakeBucketOf(method, path);
    const arrived = Date.now();
    const body = await readBody(req);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.on('close', () => this.inFlight--);
    const record = (status: number): void => {
      if (this.recordRequests) this.requests.push({ method, path, query: u.search, bucket, status, at: arrived });
    };
    if (this.latencyMs) await sleep(this.latencyMs);

    const fault = this.faults.find((f) => f.count > 0 && f.match({ method, path, query: u.searchParams }) && (f.skip ? (f.skip--, false) : true));
    if (fault) {
      fault.count--;
      if (fault.delayMs) await sleep(fault.delayMs);
      record(fault.destroy ? 0 : (fault.status ?? 500));
      if (fault.destroy) return void req.socket.destroy();
      if (fault.status === 429) this.injected429++;
      for (const [k, v] of Object.entries(fault.headers ?? {})) res.setHeader(k, v);
      return this.json(res, fault.status ?? 500, fault.body ?? oktaError('E0000009', 'Internal Server Error'));
    }

    if (Date.now() < this.stormUntil) {
      const l = this.limits.limits[bucket];
      this.injected429++;
      record(429);
      res.setHeader('X-Rate-Limit-Limit', String(l));
      res.setHeader('X-Rate-Limit-Remaining', '0');
      res.setHeader('X-Rate-Limit-Reset', String(Math.ceil(this.stormUntil / 1000)));
      return this.json(res, 429, oktaError('E0000047', 'API call exceeded rate limit due to too many requests.'));
    }

    const concurrency = this.opts.concurrency ?? 75;
    const admission = this.limits.take(bucket);
    res.setHeader('X-Rate-Limit-Limit', String(admission.limit));
    res.setHeader('X-Rate-Limit-Remaining', String(admission.remaining));
    res.setHeader('X-Rate-Limit-Reset', String(admission.reset));
    if (!admission.ok || this.inFlight > concurrency) {
      this.enforced429++;
      record(429);
      return this.json(res, 429, oktaError('E0000047', 'API call exceeded rate limit due to too many requests.'));
    }

    if (path === '/oauth2/v1/token' && method === 'POST') {
      const answer = await this.auth.token(new URLSearchParams(body), `${this.url}/oauth2/v1/token`);
      record(answer.status);
      return this.json(res, answer.status, answer.body);
    }

    const denied = this.authorize(req, bucket);
    if (denied) {
      record(denied.status);
      if (denied.wwwAuthenticate) res.setHeader('WWW-Authenticate', denied.wwwAuthenticate);
      return this.json(res, denied.status, denied.body);
    }
    if (method !== 'GET') {
      record(405);
      return this.json(res, 405, oktaError('E0000022', 'The endpoint does not support the provided HTTP method'));
    }
    let m: RegExpExecArray | null;
    try {
      if (path === '/api/v1/users') return this.listUsers(res, u, record);
      if (path === '/api/v1/groups') return this.listGroups(res, u, record);
      if ((m = /^\/api\/v1\/groups\/([^/]+)\/users$/.exec(path))) return this.listMembers(res, u, decodeURIComponent(m[1]!), record);
      if (path === '/api/v1/logs') return this.listLogs(res, u, record);
    } catch (err) {
      if (err instanceof FilterError) {
        record(400);
        return this.json(res, 400, oktaError('E0000031', `Invalid search criteria. ${err.message}`));
      }
      throw err;
    }
    record(404);
    return this.json(res, 404, oktaError('E0000022', 'The endpoint does not support the provided HTTP method'));
  }

  private authorize(req: IncomingMessage, bucket: FakeBucket): { status: number; body: unknown; wwwAuthenticate?: string } | null {
    const h = req.headers.authorization ?? '';
    const invalid = { status: 401, body: oktaError('E0000011', 'Invalid token provided') };
    if (h.startsWith('SSWS ')) return this.apiTokens.has(h.slice(5)) ? null : invalid;
    if (h.startsWith('Bearer ')) {
      const t = this.auth.check(h.slice(7));
      if (t === null || t === 'expired') {
        const why = t === 'expired' ? 'The token has expired.' : 'The access token is invalid.';
        return { ...invalid, wwwAuthenticate: `Bearer authorization_uri="${this.url}/oauth2/v1/authorize", realm="${this.url}", scope="", error="invalid_token", error_description="${why}"` };
      }
      const needed = SCOPE_OF[bucket];
      if (needed && !t.scopes.has(needed)) {
        return {
          status: 403,
          body: oktaError('E0000006', 'You do not have permission to perform the requested action'),
          wwwAuthenticate: `Bearer error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="${req.url}"`,
        };
      }
      return null;
    }
    return { status: 401, body: oktaError('E0000005', 'Invalid session') };
  }

  // ------------------------------------------------------------------ endpoints

  private listUsers(res: ServerResponse, u: URL, record: (s: number) => void): void {
    const q = u.searchParams;
    const filter = q.get('filter');
    const search = q.get('search');
    const pred = filter ? parseFilter(filter, USER_FILTER_ATTRS) : search ? parseFilter(search) : null;
    const limit = clampLimit(q.get('limit'), MAX_LIMIT.users, MAX_LIMIT.users);
    const ids = this.org.userIds;
    const out: string[] = [];
    let last: string | null = null;
    let more = false;
    for (let i = q.get('after') ? upperBound(ids, q.get('after')!) : 0; i < ids.length; i++) {
      const rec = this.org.users.get(ids[i]!)!;
      // Without a filter or search, Okta leaves DEPROVISIONED users out.
      if (pred ? !pred(userView(rec)) : rec.status === 'DEPROVISIONED') continue;
      if (out.length === limit) {
        more = true;
        break;
      }
      out.push(this.org.userJson(rec));
      last = rec.id;
    }
    this.page(res, u, out, more ? last : null, record);
  }

  private listGroups(res: ServerResponse, u: URL, record: (s: number) => void): void {
    const q = u.searchParams;
    const filter = q.get('filter') ?? q.get('search');
    const pred = filter ? parseFilter(filter, q.get('filter') ? GROUP_FILTER_ATTRS : undefined) : null;
    const limit = clampLimit(q.get('limit'), MAX_LIMIT.groups, MAX_LIMIT.groups);
    const ids = this.org.groupIds;
    const out: string[] = [];
    let last: string | null = null;
    let more = false;
    for (let i = q.get('after') ? upperBound(ids, q.get('after')!) : 0; i < ids.length; i++) {
      const g = this.org.groups.get(ids[i]!)!;
      if (pred && !pred(groupView(g))) continue;
      if (out.length === limit) {
        more = true;
        break;
      }
      out.push(this.org.groupJson(g));
      last = g.id;
    }
    this.page(res, u, out, more ? last : null, record);
  }

  private listMembers(res: ServerResponse, u: URL, groupId: string, record: (s: number) => void): void {
    const g = this.org.groups.get(groupId);
    if (!g) {
      record(404);
      return this.json(res, 404, oktaError('E0000007', `Not found: Resource not found: ${groupId} (UserGroup)`));
    }
    const q = u.searchParams;
    const limit = clampLimit(q.get('limit'), 1000, MAX_LIMIT.members);
    const start = q.get('after') ? upperBound(g.members, q.get('after')!) : 0;
    const slice = g.members.slice(start, start + limit);
    const more = start + limit < g.members.length;
    this.page(res, u, slice.map((id) => this.org.userJson(this.org.user(id))), more ? slice[slice.length - 1]! : null, record);
  }

  private listLogs(res: ServerResponse, u: URL, record: (s: number) => void): void {
    const q = u.searchParams;
    const ascending = (q.get('sortOrder') ?? 'ASCENDING').toUpperCase() === 'ASCENDING';
    const until = q.get('until');
    const since = Date.parse(q.get('since') ?? new Date(Date.now() - 7 * 86_400_000).toISOString());
    const pred = q.get('filter') ? parseFilter(q.get('filter')!) : null;
    const limit = clampLimit(q.get('limit'), 100, MAX_LIMIT.logs);
    const after = q.get('after');
    if (after !== null && !/^s-?\d+$/.test(after)) {
      record(400);
      return this.json(res, 400, oktaError('E0000001', 'Api validation failed: after'));
    }
    const matches = (e: LogRec): boolean =>
      Date.parse(e.published) >= since && (!until || Date.parse(e.published) < Date.parse(until)) && (!pred || pred(e));
    const log = this.org.log;
    if (!ascending) {
      const out = log.filter(matches).reverse().slice(0, limit);
      return this.page(res, u, out.map((e) => JSON.stringify(e)), null, record);
    }
    const out: LogRec[] = [];
    let scannedTo = after === null ? -1 : Number(after.slice(1));
    let more = false;
    for (let i = scannedTo + 1; i < log.length; i++) {
      const e = log[i]!;
      if (matches(e)) {
        if (out.length === limit) {
          more = true;
          break;
        }
        out.push(e);
      }
      scannedTo = e.seq;
    }
    // Polling (ascending, no until): the next link is always there; it is where to poll next time.
    const polling = !until;
    this.page(res, u, out.map((e) => JSON.stringify(e)), polling || more ? `s${scannedTo}` : null, record);
  }

  // ------------------------------------------------------------------ plumbing

  private page(res: ServerResponse, u: URL, items: string[], after: string | null, record: (s: number) => void): void {
    const self = new URL(u.pathname + u.search, this.url);
    const links = [`<${self.href}>; rel="self"`];
    if (after !== null) {
      const next = new URL(self.href);
      next.searchParams.set('after', after);
      links.push(`<${next.href}>; rel="next"`);
    }
    res.setHeader('Link', links);
    record(200);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(`[${items.join(',')}]`);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

const userView = (u: UserRec) => ({ id: u.id, status: u.status, lastUpdated: u.lastUpdated, profile: u.profile });
const groupView = (g: GroupRec) => ({ id: g.id, type: g.type, lastUpdated: g.lastUpdated, lastMembershipUpdated: g.lastMembershipUpdated, profile: { name: g.name } });

function clampLimit(raw: string | null, dflt: number, max: number): number {
  const n = raw === null ? dflt : Number(raw);
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : dflt;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
