import { X509Certificate, createHash, randomBytes, verify, constants } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Microsoft identity platform token endpoint for one tenant and one app registration:
 * OIDC metadata and instance discovery (msal asks for them), and the client-credentials grant
 * with a client secret or a certificate-signed client assertion (RS256 / PS256, checked against
 * the registered certificate). Wrong credentials get the real error shapes (invalid_client,
 * AADSTS7000215...). Plain http on loopback: msal reaches it through a custom networkClient
 * while its authority stays https://login.microsoftonline.com/<tenant>.
 */

export const PUBLIC_AUTHORITY = 'https://login.microsoftonline.com';

export interface AppRegistration {
  readonly tenantId: string;
  readonly clientId: string;
  secret?: string;
  /** PEM of the certificate registered for the app. */
  certificate?: string;
}

/** Access tokens the fake token endpoint issued, shared with the fake Graph. */
export class TokenBook {
  private readonly tokens = new Map<string, { clientId: string; expiresAt: number }>();
  issued = 0;

  issue(clientId: string, ttlMs: number): string {
    const token = `fake-at.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { clientId, expiresAt: Date.now() + ttlMs });
    this.issued++;
    return token;
  }

  valid(token: string): boolean {
    const t = this.tokens.get(token);
    return t !== undefined && t.expiresAt > Date.now();
  }

  /** Every token issued so far stops working (as if they had all expired). */
  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }
}

export interface FakeLogin {
  readonly origin: string;
  readonly requests: { method: string; path: string }[];
  /** Token requests and how they ended. */
  readonly grants: { ok: boolean; error?: string; auth: 'secret' | 'assertion' | 'none' }[];
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function aadError(status: number, error: string, code: number, description: string) {
  const trace = randomBytes(16).toString('hex');
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${trace} Correlation ID: ${randomBytes(16).toString('hex')} Timestamp: ${new Date().toISOString()}`,
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: trace,
      correlation_id: randomBytes(16).toString('hex'),
      error_uri: `${PUBLIC_AUTHORITY}/error?code=${code}`,
    },
  };
}

/** Checks a client assertion JWT signed with the registered certificate's key. */
function assertionError(jwt: string, app: AppRegistration, tokenEndpoint: string): string | null {
  if (!app.certificate) return 'no certificate registered';
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'malformed assertion';
  const [h, p, s] = parts as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, string>;
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  const cert = new X509Certificate(app.certificate);
  const der = cert.raw;
  const s256 = createHash('sha256').update(der).digest('base64url');
  const s1 = createHash('sha1').update(der).digest('base64url');
  if (header['x5t#S256'] !== s256 && header.x5t !== s1) return 'certificate thumbprint does not match a registered certificate';
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  const key = cert.publicKey;
  const ok =
    header.alg === 'PS256'
      ? verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
      : header.alg === 'RS256'
        ? verify('sha256', data, key, sig)
        : false;
  if (!ok) return `bad signature (${header.alg})`;
  if (payload.iss !== app.clientId || payload.sub !== app.clientId) return 'iss/sub is not the client id';
  if (payload.aud !== tokenEndpoint) return `aud ${String(payload.aud)} is not ${tokenEndpoint}`;
  if (typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now()) return 'expired assertion';
  return null;
}

export async function startFakeLogin(
  app: AppRegistration,
  book: TokenBook,
  opts: { tokenTtlMs?: number; authority?: string; graph?: string } = {},
): Promise<FakeLogin> {
  const authority = opts.authority ?? PUBLIC_AUTHORITY;
  const graphScope = `${opts.graph ?? 'https://graph.microsoft.com'}/.default`;
  const requests: FakeLogin['requests'] = [];
  const grants: FakeLogin['grants'] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      requests.push({ method: req.method ?? 'GET', path: url.pathname });
      const segs = url.pathname.split('/').filter(Boolean);
      const tenant = segs[0] ?? '';
      const base = `${authority}/${tenant}`;
      if (req.method === 'GET' && url.pathname.endsWith('/discovery/instance')) {
        return json(res, 200, {
          tenant_discovery_endpoint: `${authority}/${tenant}/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [{ preferred_network: new URL(authority).host, preferred_cache: 'login.windows.net', aliases: [new URL(authority).host] }],
        });
      }
      if (req.method === 'GET' && url.pathname.endsWith('/.well-known/openid-configuration')) {
        return json(res, 200, {
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
          issuer: `${authority}/${app.tenantId}/v2.0`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          tenant_region_scope: 'EU',
          cloud_instance_name: 'microsoftonline.com',
        });
      }
      if (req.method === 'POST' && url.pathname === `/${tenant}/oauth2/v2.0/token`) {
        const form = new URLSearchParams(await readBody(req));
        const auth = form.has('client_secret') ? 'secret' : form.has('client_assertion') ? 'assertion' : 'none';
        const fail = (e: { status: number; body: { error: string } }) => {
          grants.push({ ok: false, error: e.body.error, auth });
          json(res, e.status, e.body);
        };
        if (tenant.toLowerCase() !== app.tenantId.toLowerCase()) {
          return fail(aadError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`));
        }
        if (form.get('client_id') !== app.clientId) {
          return fail(aadError(400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id')}' was not found in the directory '${tenant}'.`));
        }
        if (form.get('grant_type') !== 'client_credentials') return fail(aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.'));
        if (auth === 'secret' && form.get('client_secret') !== app.secret) {
          return fail(aadError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`));
        }
        if (auth === 'assertion') {
          const why = assertionError(form.get('client_assertion') ?? '', app, `${base}/oauth2/v2.0/token`);
          if (why) return fail(aadError(401, 'invalid_client', 700027, `Client assertion failed signature validation. (${why})`));
        }
        if (auth === 'none') return fail(aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."));
        const scope = form.get('scope') ?? '';
        if (!scope.split(' ').includes(graphScope)) {
          return fail(aadError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid.`));
        }
        const ttl = opts.tokenTtlMs ?? 3_600_000;
        grants.push({ ok: true, auth });
        return json(res, 200, { token_type: 'Bearer', expires_in: Math.round(ttl / 1000), ext_expires_in: Math.round(ttl / 1000), access_token: book.issue(app.clientId, ttl) });
      }
      json(res, 404, { error: 'not_found', error_description: `fake login: no route ${req.method} ${url.pathname}` });
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    grants,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
