import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AuthError, ConfidentialClientApplication, LogLevel, type Configuration, type INetworkModule } from '@azure/msal-node';
import type { ConnectorContext } from '../connector.js';
import type { EntraOptions } from './config.js';
import { EntraSourceError, describeError } from './errors.js';

/** Hands out Graph access tokens; `fresh` bypasses the cache (after a 401 from Graph). */
export interface TokenSource {
  token(fresh?: boolean): Promise<string>;
}

/** Token-endpoint errors that retrying will not fix: the operator must change the app or config. */
const CREDENTIAL_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'invalid_request', 'invalid_grant', 'invalid_scope', 'invalid_resource']);

/**
 * Client-credentials tokens for Microsoft Graph through msal-node's ConfidentialClientApplication
 * (client secret or certificate). msal caches the token in memory and renews it before expiry.
 * `networkClient` replaces msal's HTTP client (tests route it to a fake token endpoint); the
 * authority stays the real one (`<authorityHost>/<tenantId>`).
 */
export class MsalTokenSource implements TokenSource {
  private readonly app: ConfidentialClientApplication;
  private readonly scope: string;
  /** The secret values, to scrub from any message that would echo them. */
  private readonly secrets: string[] = [];

  constructor(
    private readonly o: EntraOptions,
    private readonly ctx: ConnectorContext,
    networkClient?: INetworkModule,
  ) {
    this.scope = `${o.graphEndpoint}/.default`;
    const auth: Configuration['auth'] = {
      clientId: o.clientId,
      authority: `${o.authorityHost}/${o.tenantId}`,
      // The configured host is trusted as is (no instance discovery against the public cloud),
      // so national and custom authority hosts work; msal reads its OIDC metadata from it.
      knownAuthorities: [new URL(o.authorityHost).host],
    };
    // msal's errors are warnings here (the run's error says what failed); its warnings are
    // chatter for client credentials ("No client info in response") and go to debug.
    const msalLog = (level: LogLevel, message: string): void => {
      if (level <= LogLevel.Error) ctx.log.warn({ source: ctx.sourceId, msal: this.scrub(message) }, 'msal');
      else ctx.log.debug({ source: ctx.sourceId, msal: this.scrub(message) }, 'msal');
    };
    const system: Configuration['system'] = {
      loggerOptions: { loggerCallback: msalLog, piiLoggingEnabled: false, logLevel: LogLevel.Warning },
      ...(networkClient ? { networkClient } : {}),
    };
    if (o.clientSecret) {
      const secret = ctx.readSecret(o.clientSecret);
      this.secrets.push(secret);
      auth.clientSecret = secret;
    } else if (o.certificate) {
      const certPath = resolve(ctx.baseDir, o.certificate.certificate);
      let pem: string;
      let cert: X509Certificate;
      try {
        pem = readFileSync(certPath, 'utf8');
        cert = new X509Certificate(pem);
      } catch (err) {
        throw new EntraSourceError(ctx.sourceId, 'config', `cannot read the client certificate ${certPath}: ${describeError(err)}`);
      }
      const privateKey = ctx.readSecret(o.certificate.privateKey);
      this.secrets.push(privateKey);
      auth.clientCertificate = {
        thumbprintSha256: cert.fingerprint256.replace(/:/g, ''),
        privateKey,
        ...(o.certificate.sendX5c ? { x5c: pem } : {}),
      };
    }
    try {
      this.app = new ConfidentialClientApplication({ auth, system });
    } catch (err) {
      throw new EntraSourceError(ctx.sourceId, 'config', `invalid credentials configuration: ${this.scrub(describeError(err))}`);
    }
  }

  async token(fresh = false): Promise<string> {
    let result;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.o.requestTimeoutMs} ms`)), this.o.requestTimeoutMs);
    });
    try {
      result = await Promise.race([this.app.acquireTokenByClientCredential({ scopes: [this.scope], skipCache: fresh }), timeout]);
    } catch (err) {
      throw this.tokenError(err);
    } finally {
      clearTimeout(timer);
    }
    if (!result?.accessToken) throw new EntraSourceError(this.ctx.sourceId, 'protocol', 'the token endpoint returned no access token');
    return result.accessToken;
  }

  private tokenError(err: unknown): EntraSourceError {
    const where = `app ${this.o.clientId} in tenant ${this.o.tenantId} at ${this.o.authorityHost}`;
    if (err instanceof AuthError) {
      const code = err.errorCode;
      const detail = this.scrub(aadDetail(err.errorMessage || err.message));
      if (code === 'invalid_client') {
        const what = this.o.clientSecret ? 'client secret' : 'client certificate';
        return new EntraSourceError(
          this.ctx.sourceId,
          'credentials',
          `Entra ID rejected the ${what} of ${where} (invalid_client): ${detail}. Check the ${what} configured for the source (its value is not shown) and that it has not expired`,
        );
      }
      if (CREDENTIAL_ERRORS.has(code)) {
        return new EntraSourceError(this.ctx.sourceId, 'credentials', `Entra ID refused a token for ${where} (${code}): ${detail}`);
      }
      const status = (err as { status?: number }).status;
      return new EntraSourceError(this.ctx.sourceId, 'unavailable', `cannot get a token for ${where} (${code}${status ? `, HTTP ${status}` : ''}): ${detail}`, { cause: err });
    }
    return new EntraSourceError(this.ctx.sourceId, 'unavailable', `cannot get a token for ${where}: ${this.scrub(describeError(err))}`, { cause: err });
  }

  /** Removes secret values from a message (defence in depth: msal's messages do not carry them). */
  private scrub(message: string): string {
    let out = message;
    for (const s of this.secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
    return out;
  }
}

/**
 * The useful part of an msal server error: "AADSTS7000215: Invalid client secret provided. ..."
 * and its trace id (what Microsoft support asks for), without msal's timestamps and repetitions.
 */
export function aadDetail(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  const m = /(AADSTS\d+:.*?)(?:\s*Trace ID:\s*([0-9a-f-]+))?(?:\s*Correlation ID:.*)?(?:\s+-\s+Correlation ID:.*)?$/i.exec(flat);
  if (!m) return flat;
  const text = m[1]!.replace(/\s+-\s*$/, '').trim();
  return m[2] ? `${text} (trace ID ${m[2]})` : text;
}
