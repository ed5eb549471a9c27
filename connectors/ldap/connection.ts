import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { Client } from 'ldapts';
import type { ConnectorContext, SecretRef } from '../connector.js';
import type { LdapOptions } from './config.js';
import { describeError, LdapSourceError, resultCode } from './errors.js';

/** One bound connection to one server of the source, for the length of one run. */
export interface LdapSession {
  readonly client: Client;
  readonly url: string;
  /**
   * Throws unless the connection is still the one that was opened and bound: ldapts silently
   * reconnects a dropped connection on the next operation, unauthenticated, which could make a
   * later search see less and deliver a partial snapshot.
   */
  assertAlive(what: string): void;
  close(): Promise<void>;
}

const refName = (ref: SecretRef, baseDir: string): string => ('file' in ref ? `file ${resolve(baseDir, ref.file)}` : `environment variable ${ref.env}`);

/**
 * Connects to the first reachable server of `urls` (in order), upgrades with StartTLS when
 * configured, and binds. A server that cannot be reached or fails the TLS handshake is skipped;
 * rejected credentials and bind-policy errors are not (every server would say the same).
 */
export async function openSession(o: LdapOptions, ctx: ConnectorContext, signal: AbortSignal): Promise<LdapSession> {
  const password = o.bindPassword ? ctx.readSecret(o.bindPassword) : undefined;
  if (o.bindDN && !password) {
    throw new LdapSourceError(ctx.sourceId, 'config', `the bind password (${refName(o.bindPassword!, ctx.baseDir)}) is empty; an empty password would be an unauthenticated bind`);
  }
  const tls = tlsOptions(o, ctx);
  const failures: string[] = [];
  for (const url of o.urls) {
    signal.throwIfAborted();
    const secure = /^ldaps:/i.test(url);
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const perHost: ConnectionOptions = { ...tls, host, ...(tls.servername || isIP(host) ? {} : { servername: host }) };
    const client = new Client({
      url,
      connectTimeout: o.connectTimeoutMs,
      timeout: o.searchTimeoutMs,
      strictDN: false,
      ...(secure ? { tlsOptions: perHost } : {}),
    });
    const onAbort = (): void => void client.unbind().catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (o.tls.startTLS) await client.startTLS(perHost);
      if (o.bindDN) await client.bind(o.bindDN, password);
      signal.throwIfAborted();
      return session(client, url, o, ctx, () => signal.removeEventListener('abort', onAbort));
    } catch (err) {
      signal.removeEventListener('abort', onAbort);
      await client.unbind().catch(() => undefined);
      if (signal.aborted) throw new LdapSourceError(ctx.sourceId, 'aborted', `run aborted while connecting to ${url}`, { cause: signal.reason });
      const code = resultCode(err);
      if (code === 49) {
        throw new LdapSourceError(
          ctx.sourceId,
          'credentials',
          `the server at ${url} rejected the bind as "${o.bindDN}": invalid credentials (check the bind DN and the password in ${refName(o.bindPassword!, ctx.baseDir)})`,
        );
      }
      if (code === 8 || code === 13 || code === 48 || code === 53) {
        throw new LdapSourceError(ctx.sourceId, 'config', `the server at ${url} refused the bind as "${o.bindDN}" (result code ${code}: ${describeError(err)}); it may require TLS (ldaps:// or tls.startTLS)`);
      }
      if (code !== undefined) {
        throw new LdapSourceError(ctx.sourceId, 'server', `the bind as "${o.bindDN}" at ${url} failed (result code ${code}: ${describeError(err)})`);
      }
      failures.push(`${url}: ${describeError(err)}`);
      ctx.log.warn({ source: ctx.sourceId, url, err: describeError(err) }, 'LDAP server unreachable; trying the next one');
    }
  }
  throw new LdapSourceError(ctx.sourceId, 'unreachable', `no LDAP server reachable (${failures.join('; ')})`);
}

function session(client: Client, url: string, o: LdapOptions, ctx: ConnectorContext, release: () => void): LdapSession {
  let closed = false;
  return {
    client,
    url,
    assertAlive(what) {
      if (closed || !client.isConnected || (o.bindDN !== null && !client.isBound)) {
        throw new LdapSourceError(ctx.sourceId, 'unreachable', `connection to ${url} was lost before ${what}`);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      release();
      await client.unbind().catch(() => undefined);
    },
  };
}

function tlsOptions(o: LdapOptions, ctx: ConnectorContext): ConnectionOptions {
  const file = (path: string, what: string): Buffer => {
    const full = resolve(ctx.baseDir, path);
    try {
      return readFileSync(full);
    } catch (err) {
      throw new LdapSourceError(ctx.sourceId, 'config', `cannot read the TLS ${what} ${full}: ${describeError(err)}`);
    }
  };
  const out: ConnectionOptions = { rejectUnauthorized: o.tls.rejectUnauthorized, minVersion: 'TLSv1.2' };
  if (o.tls.ca) out.ca = [file(o.tls.ca, 'CA file')];
  if (o.tls.cert) out.cert = file(o.tls.cert, 'client certificate');
  if (o.tls.key) out.key = ctx.readSecret(o.tls.key);
  if (o.tls.servername) out.servername = o.tls.servername;
  return out;
}
