import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Round, deltaItems, initialItems, pick, type PagingOptions } from './delta-rounds.js';
import type { Collection, FakeDirectory } from './fake-directory.js';
import type { TokenBook } from './fake-login.js';

/**
 * A fake Microsoft Graph (v1.0) over a FakeDirectory: users / groups / servicePrincipals delta
 * (nextLink, deltaLink, $select kept in the tokens), single objects, a service principal's
 * appRoles and appRoleAssignedTo (paged). Links name the public endpoint
 * (https://graph.microsoft.com); tests reach the server through a URL-rewriting fetch.
 *
 * Faults on demand: throttling (429 / 503 with Retry-After), expired delta tokens (410 Gone with
 * Location, or 400 syncStateNotFound), a round reset mid-way, expired access tokens (401).
 */

export const PUBLIC_GRAPH = 'https://graph.microsoft.com';

const COLLECTIONS: readonly Collection[] = ['users', 'groups', 'servicePrincipals'];

export interface Fault {
  readonly status: 429 | 503 | 500 | 504 | 403;
  /** Seconds, or null for no Retry-After header. */
  readonly retryAfter: number | null;
  /** Only requests whose path contains this. */
  readonly pathIncludes?: string;
}

export interface FakeGraph {
  readonly origin: string;
  readonly dir: FakeDirectory;
  readonly paging: PagingOptions;
  /** Every request: method, path, query, and the status answered. */
  readonly requests: { path: string; query: string; status: number }[];
  /** The next matching requests get these answers (in order). */
  readonly faults: Fault[];
  /** Stored delta tokens of a collection answer 410 Gone (with Location) or 400 syncStateNotFound. */
  expireDeltaTokens(c: Collection, how: '410' | 'syncStateNotFound'): void;
  /** The next nextLink (skiptoken) request of a collection answers 410 Gone. */
  resetNextPage(c: Collection): void;
  close(): Promise<void>;
}

interface DeltaToken {
  readonly c: Collection;
  readonly seq: number;
  readonly select: readonly string[];
  expired: '410' | 'syncStateNotFound' | null;
}

const graphError = (code: string, message: string) => ({ error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomBytes(8).toString('hex') } } });

export async function startFakeGraph(dir: FakeDirectory, book: TokenBook, paging: Partial<PagingOptions> = {}, publicOrigin = PUBLIC_GRAPH): Promise<FakeGraph> {
  const opts: PagingOptions = { pageSize: 100, membersPerPage: 200, emptyPages: false, duplicates: false, partialUpdates: false, ...paging };
  const requests: FakeGraph['requests'] = [];
  const faults: Fault[] = [];
  const tokens = new Map<string, DeltaToken>();
  const rounds = new Map<string, Round>();
  const resetNext = new Set<Collection>();

  const newRound = (c: Collection, select: readonly string[], since: number | null): string => {
    const items = since === null ? initialItems(dir, c, select) : deltaItems(dir, c, select, since, opts.partialUpdates);
    const id = randomBytes(9).toString('base64url');
    rounds.set(id, new Round(c, items, dir.seq, select, opts));
    return id;
  };

  const servePage = (res: ServerResponse, c: Collection, roundId: string, index: number): void => {
    const round = rounds.get(roundId);
    if (!round) return send(res, 400, graphError('badRequest', 'Badly formed skip token.'));
    const value = round.render(index);
    const body: Record<string, unknown> = { '@odata.context': `${publicOrigin}/v1.0/$metadata#${c}(${round.select.join(',')})`, value };
    if (index + 1 < round.pages.length) body['@odata.nextLink'] = `${publicOrigin}/v1.0/${c}/delta?$skiptoken=${roundId}.${index + 1}`;
    else {
      const token = randomBytes(12).toString('base64url');
      tokens.set(token, { c, seq: round.startSeq, select: round.select, expired: null });
      body['@odata.deltaLink'] = `${publicOrigin}/v1.0/${c}/delta?$deltatoken=${token}`;
      rounds.delete(roundId);
    }
    send(res, 200, body);
  };

  let current: { status: number } = { status: 0 };
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    current.status = status;
    res.writeHead(status, { 'content-type': 'application/json; odata.metadata=minimal', ...headers });
    res.end(JSON.stringify(body));
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const q = url.searchParams;
    const entry = { path, query: url.search, status: 0 };
    requests.push(entry);
    current = entry;
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !book.valid(auth.slice(7))) {
      return send(res, 401, graphError('InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'));
    }
    const fault = faults.findIndex((f) => !f.pathIncludes || path.includes(f.pathIncludes));
    if (fault >= 0) {
      const f = faults.splice(fault, 1)[0]!;
      if (f.status === 403) return send(res, 403, graphError('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'));
      const code = f.status === 429 ? 'TooManyRequests' : 'serviceNotAvailable';
      return send(res, f.status, graphError(code, f.status === 429 ? 'Too many requests' : 'Service unavailable'), f.retryAfter === null ? {} : { 'retry-after': String(f.retryAfter) });
    }
    const m = /^\/v1\.0\/(users|groups|servicePrincipals)\/(?:microsoft\.graph\.)?delta$/.exec(path);
    if (m) {
      const c = m[1] as Collection;
      const skip = q.get('$skiptoken');
      if (skip) {
        if (resetNext.delete(c)) {
          return send(res, 410, graphError('resyncRequired', 'Resync required. Replace any local cached data with a full synchronization.'), {
            location: `${publicOrigin}/v1.0/${c}/delta?$select=${rounds.get(skip.split('.')[0]!)?.select.join(',') ?? ''}`,
          });
        }
        const [roundId, index] = skip.split('.');
        return servePage(res, c, roundId!, Number(index));
      }
      const dt = q.get('$deltatoken');
      if (dt) {
        const t = tokens.get(dt);
        if (!t || t.c !== c) return send(res, 400, graphError('badRequest', 'Badly formed token.'));
        if (t.expired === '410') {
          return send(res, 410, graphError('resyncRequired', 'Resync required. Replace any local cached data with a full synchronization.'), {
            location: `${publicOrigin}/v1.0/${c}/delta?$select=${t.select.join(',')}`,
          });
        }
        if (t.expired === 'syncStateNotFound') {
          return send(res, 400, graphError('syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.'));
        }
        return servePage(res, c, newRound(c, t.select, t.seq), 0);
      }
      const select = (q.get('$select') ?? 'id').split(',').filter(Boolean);
      return servePage(res, c, newRound(c, select, null), 0);
    }
    const sp = /^\/v1\.0\/servicePrincipals(?:\/([^/(]+)|\(appId='([^']+)'\))(\/appRoleAssignedTo)?$/.exec(path);
    if (sp) {
      const obj = sp[1] ? dir.objects.servicePrincipals.get(sp[1]) : [...dir.objects.servicePrincipals.values()].find((s) => s.appId === sp[2]);
      if (!obj) return send(res, 404, graphError('Request_ResourceNotFound', `Resource '${sp[1] ?? sp[2]}' does not exist or one of its queried reference-property objects are not present.`));
      if (!sp[3]) return send(res, 200, pick(obj, (q.get('$select') ?? 'id,appId,displayName,appRoles').split(',')));
      const all = [...dir.assignments.values()].filter((a) => a.resourceId === obj.id);
      const top = Math.min(999, Number(q.get('$top') ?? 100));
      const from = Number(q.get('$skiptoken') ?? 0);
      const body: Record<string, unknown> = { value: all.slice(from, from + top) };
      if (from + top < all.length) body['@odata.nextLink'] = `${publicOrigin}/v1.0/servicePrincipals/${obj.id}/appRoleAssignedTo?$top=${top}&$skiptoken=${from + top}`;
      return send(res, 200, body);
    }
    const one = /^\/v1\.0\/(users|groups)\/([^/]+)$/.exec(path);
    if (one) {
      const obj = dir.objects[one[1] as Collection].get(one[2]!);
      if (!obj) return send(res, 404, graphError('Request_ResourceNotFound', `Resource '${one[2]}' does not exist or one of its queried reference-property objects are not present.`));
      return send(res, 200, pick(obj, (q.get('$select') ?? 'id,displayName').split(',')));
    }
    send(res, 400, graphError('BadRequest', `Resource not found for the segment '${path.split('/').pop()}'.`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    dir,
    paging: opts,
    requests,
    faults,
    expireDeltaTokens(c, how) {
      for (const t of tokens.values()) if (t.c === c) t.expired = how;
    },
    resetNextPage(c) {
      resetNext.add(c);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export { COLLECTIONS };
