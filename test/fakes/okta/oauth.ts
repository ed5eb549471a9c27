import { randomBytes } from 'node:crypto';
import { importJWK, importSPKI, jwtVerify, type JWK } from 'jose';

/**
 * The fake's OAuth 2.0 authorization server for service apps: `POST /oauth2/v1/token` with the
 * client-credentials grant and a private-key JWT client assertion (RFC 7523), verified with jose
 * against the app's registered public key (issuer = subject = client id, audience = the token
 * endpoint, not expired, jti not replayed). Issued access tokens carry the granted scopes and
 * expire; `expireAll` makes every issued token invalid at once.
 */
export interface ServiceApp {
  readonly clientId: string;
  /** The registered public key: a JWK (RSA or EC), or an SPKI PEM with its algorithm. */
  readonly publicKey: JWK | { readonly pem: string; readonly alg: string };
  /** Scopes the app was granted. */
  readonly scopes: readonly string[];
}

export interface IssuedToken {
  readonly clientId: string;
  readonly scopes: ReadonlySet<string>;
  expiresAt: number;
}

type TokenAnswer = { status: number; body: Record<string, unknown> };

export class FakeAuthServer {
  readonly apps = new Map<string, ServiceApp>();
  readonly tokens = new Map<string, IssuedToken>();
  private readonly seenJti = new Set<string>();
  tokenTtlSec = 3600;
  issued = 0;

  constructor(private readonly now: () => number = Date.now) {}

  register(app: ServiceApp): void {
    this.apps.set(app.clientId, app);
  }

  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }

  /** The token behind `Authorization: Bearer …`, if it is valid now. */
  check(token: string): IssuedToken | 'expired' | null {
    const t = this.tokens.get(token);
    if (!t) return null;
    return t.expiresAt <= this.now() ? 'expired' : t;
  }

  async token(form: URLSearchParams, endpoint: string): Promise<TokenAnswer> {
    const err = (status: number, error: string, description: string): TokenAnswer => ({ status, body: { error, error_description: description } });
    if (form.get('grant_type') !== 'client_credentials') return err(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.');
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return err(401, 'invalid_client', 'Client authentication failed: a private_key_jwt client assertion is required.');
    }
    const assertion = form.get('client_assertion') ?? '';
    const [, payloadPart] = assertion.split('.');
    let claimedIss: string | undefined;
    try {
      claimedIss = JSON.parse(Buffer.from(payloadPart ?? '', 'base64url').toString('utf8')).iss;
    } catch {
      return err(401, 'invalid_client', 'The client_assertion is not a JWT.');
    }
    const app = claimedIss ? this.apps.get(claimedIss) : undefined;
    if (!app) return err(401, 'invalid_client', 'The client_id is not known.');
    try {
      const key = 'pem' in app.publicKey ? await importSPKI(app.publicKey.pem, app.publicKey.alg) : await importJWK(app.publicKey);
      const { payload } = await jwtVerify(assertion, key, {
        issuer: app.clientId,
        subject: app.clientId,
        audience: endpoint,
        currentDate: new Date(this.now()),
        maxTokenAge: '1h',
        requiredClaims: ['exp', 'iat', 'jti'],
      });
      if (this.seenJti.has(payload.jti!)) return err(401, 'invalid_client', 'The client_assertion token has already been used (jti).');
      this.seenJti.add(payload.jti!);
    } catch (e) {
      return err(401, 'invalid_client', `The client_assertion is invalid: ${(e as Error).message}`);
    }
    const asked = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
    const missing = asked.filter((s) => !app.scopes.includes(s));
    if (!asked.length || missing.length) return err(400, 'invalid_scope', `The following scopes are not allowed: ${missing.join(' ') || '(none requested)'}`);
    const accessToken = randomBytes(24).toString('base64url');
    this.tokens.set(accessToken, { clientId: app.clientId, scopes: new Set(asked), expiresAt: this.now() + this.tokenTtlSec * 1000 });
    this.issued++;
    return { status: 200, body: { token_type: 'Bearer', expires_in: this.tokenTtlSec, access_token: accessToken, scope: asked.join(' ') } };
  }
}
