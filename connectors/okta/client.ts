import { createPrivateKey } from 'node:crypto';
import { Client } from '@okta/okta-sdk-nodejs';
import type { ConnectorContext, SecretRef } from '../connector.js';
import type { Clock } from './clock.js';
import type { OktaOptions } from './config.js';
import { OktaSourceError } from './errors.js';
import { OktaRequestExecutor } from './request-executor.js';
import { RateLimiter } from './rate-limiter.js';

/** One page of a list endpoint: its items and the absolute URL of the next page, if any. */
export interface Page<T> {
  readonly items: T[];
  readonly next: string | null;
}

/** The parts of the SDK client used here (the SDK's own types are loose about `http`/`oauth`). */
interface SdkHttp {
  http(uri: string, request?: object): Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;
}
interface SdkOAuth {
  accessToken: unknown;
  getAccessToken(dpopNonce?: string | null): Promise<unknown>;
  clearCachedAccessToken(): void;
}

/** A failed token request, shaped like the SDK's OktaApiError so errors map the same way. */
class TokenRequestError extends Error {
  readonly status: number;
  constructor(
    readonly url: string,
    readonly errorCode: string,
    readonly errorSummary: string,
  ) {
    super(`token request refused: ${errorCode} ${errorSummary}`);
    this.name = 'TokenRequestError';
    this.status = errorCode === 'invalid_scope' ? 403 : errorCode === 'invalid_request' || errorCode === 'unsupported_grant_type' ? 400 : 401;
  }
}

const describeRef = (ref: SecretRef): string => ('file' in ref ? `file ${ref.file}` : `environment variable ${ref.env}`);

/**
 * The Okta SDK client of one source: authentication (SSWS token, or OAuth 2.0 client credentials
 * with a private-key JWT — the token fetched and renewed by the SDK), its Http layer, and our
 * request executor underneath (kept across runs with the rate limiter's knowledge). Secrets are
 * read at the start of every run; the client is rebuilt only when one changed, so a rotated
 * token or key is picked up without a restart and an OAuth token is reused across runs.
 *
 * Pages are read through the SDK's Http layer and parsed here: the generated models drop fields
 * the sync needs (`credentials.emails` and their verification status) and the System Log's
 * Collection never ends when polling (its `next` link is always there).
 */
export class OktaApi {
  readonly executor: OktaRequestExecutor;
  private http: SdkHttp | null = null;
  private secret: string | null = null;

  constructor(
    readonly options: OktaOptions,
    private readonly ctx: ConnectorContext,
    clock: Clock,
  ) {
    const limiter = new RateLimiter({ reserve: options.reserve, slowdownBelow: options.slowdownBelow, maxWaitMs: options.maxWaitMs }, clock);
    this.executor = new OktaRequestExecutor({ concurrency: options.concurrency, requestTimeoutMs: options.requestTimeoutMs, retries: options.retries }, clock, limiter);
  }

  /** Reads the credential and (re)builds the SDK client when it changed. Throws OktaSourceError. */
  prepare(): void {
    const o = this.options;
    const ref = o.auth.type === 'apiToken' ? o.auth.token : o.auth.privateKey;
    let secret: string;
    try {
      secret = this.ctx.readSecret(ref).trim();
    } catch (err) {
      throw new OktaSourceError(this.ctx.sourceId, 'config', (err as Error).message, { cause: err });
    }
    if (secret === this.secret && this.http) return;
    if (o.auth.type === 'privateKey') checkPrivateKey(this.ctx.sourceId, secret, describeRef(ref));
    const common = {
      orgUrl: o.orgUrl, // no trailing slash (normalized by the config schema): the SDK appends paths verbatim
      requestExecutor: this.executor,
      // The SDK's default cache never expires entries: a sync must always see fresh data.
      cacheMiddleware: null,
      userAgent: 'roster-okta-connector',
    };
    let client: Client;
    try {
      client =
        o.auth.type === 'apiToken'
          ? new Client({ ...common, authorizationMode: 'SSWS', token: secret } as never)
          : new Client({
              ...common,
              authorizationMode: 'PrivateKey',
              clientId: o.auth.clientId,
              scopes: [...o.auth.scopes],
              privateKey: secret,
              ...(o.auth.keyId ? { keyId: o.auth.keyId } : {}),
            } as never);
    } catch (err) {
      throw new OktaSourceError(this.ctx.sourceId, 'config', `cannot create the Okta client: ${(err as Error).message.split('\n').slice(0, 3).join('; ')}`, { cause: err });
    }
    const sdk = client as unknown as { http: SdkHttp; oauth?: SdkOAuth };
    if (sdk.oauth) guardTokenRequests(sdk.oauth, `${o.orgUrl}/oauth2/v1/token`);
    this.http = sdk.http;
    this.secret = secret;
  }

  /** The URL of a collection endpoint with its query. */
  url(path: string, query: Record<string, string | number | undefined>): string {
    const q = Object.entries(query)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
      .join('&');
    return `${this.options.orgUrl}${path}${q ? `?${q}` : ''}`;
  }

  /** Reads one page (a JSON array) and its `Link: <…>; rel="next"`. */
  async page<T>(url: string): Promise<Page<T>> {
    if (!this.http) throw new Error('the Okta client is not prepared');
    const res = await this.http.http(url, { method: 'get', headers: { Accept: 'application/json' } });
    const text = await res.text();
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch {
      throw new Error(`${new URL(url).pathname} answered ${res.status} with a body that is not JSON`);
    }
    if (!Array.isArray(items)) throw new Error(`${new URL(url).pathname} answered ${res.status} without a JSON array`);
    return { items: items as T[], next: nextLink(res.headers.get('link'), this.options.orgUrl) };
  }
}

/**
 * The SDK (8.x) signs client assertions, and the DPoP proof it always builds, with the key as
 * RS256: only RSA keys work. Checked up front, so a wrong key is a clear error, not a failed
 * request. The message names where the key came from, never the key.
 */
function checkPrivateKey(sourceId: string, secret: string, where: string): void {
  let type: string | undefined;
  try {
    const key = secret.startsWith('{') ? createPrivateKey({ key: JSON.parse(secret) as never, format: 'jwk' }) : createPrivateKey(secret);
    type = key.asymmetricKeyType;
  } catch (err) {
    throw new OktaSourceError(sourceId, 'config', `cannot use the private key (${where}): not a PEM or JWK private key (${(err as Error).message.split('\n')[0]})`);
  }
  if (type !== 'rsa') {
    throw new OktaSourceError(sourceId, 'config', `cannot use the private key (${where}): it is ${type?.toUpperCase() ?? 'an unknown'} key; the Okta SDK signs with RS256, so the service app needs an RSA key`);
  }
}

/**
 * Two defects of the SDK's OAuth (8.1.0), fixed around it: concurrent requests each fetch a token
 * (made single-flight here), and a refused token request resolves with the error body, which is
 * then cached and sent as `Bearer undefined` (it calls `Http.errorFilter` on the module object,
 * which is undefined). Here a token answer without `access_token` is an error naming the token
 * endpoint and Okta's reason; the SDK's Http layer retries it once, like any 401.
 */
function guardTokenRequests(oauth: SdkOAuth, tokenUrl: string): void {
  const fetchToken = oauth.getAccessToken.bind(oauth);
  let pending: Promise<unknown> | null = null;
  oauth.getAccessToken = (dpopNonce = null) => {
    if (dpopNonce !== null) return fetchToken(dpopNonce); // the SDK's own retry with a DPoP nonce
    if (oauth.accessToken) return Promise.resolve(oauth.accessToken);
    pending ??= fetchToken()
      .then((token) => {
        const t = token as { access_token?: unknown; error?: unknown; error_description?: unknown } | null;
        if (typeof t?.access_token === 'string' && t.access_token) return token;
        oauth.clearCachedAccessToken();
        throw new TokenRequestError(tokenUrl, typeof t?.error === 'string' ? t.error : 'no_access_token', typeof t?.error_description === 'string' ? t.error_description : 'the answer had no access token');
      })
      .finally(() => (pending = null));
    return pending;
  };
}

/**
 * The `rel="next"` target of a Link header (several headers arrive joined by commas). Okta's
 * links are absolute; a relative one is resolved against the org URL. A link to another origin
 * is refused: the token must never be sent anywhere but the org.
 */
export function nextLink(header: string | null, orgUrl: string): string | null {
  if (!header) return null;
  for (const m of header.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
    if (!/;\s*rel\s*=\s*"?next"?/i.test(m[2] ?? '')) continue;
    const target = new URL(m[1]!, orgUrl + '/');
    if (target.origin !== new URL(orgUrl).origin) throw new Error(`a next link points outside the org (${target.origin})`);
    return target.href;
  }
  return null;
}
