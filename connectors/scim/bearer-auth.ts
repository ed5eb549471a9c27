import { createHash, timingSafeEqual } from 'node:crypto';
import type { SecretReader } from '../connector.js';
import type { ScimOptions } from './config.js';
import { ScimError } from './scim-error.js';

/** A configured token, kept only as its SHA-256. */
export interface TokenHash {
  readonly name: string;
  readonly hash: Buffer;
}

export const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Hashes the configured tokens; secret references are read once, here, and not kept. */
export function tokenHashes(tokens: ScimOptions['tokens'], readSecret: SecretReader): TokenHash[] {
  return tokens.map((t, i) => {
    const name = t.name ?? `token-${i + 1}`;
    if ('sha256' in t) return { name, hash: Buffer.from(t.sha256, 'hex') };
    const secret = readSecret('file' in t ? { file: t.file } : { env: t.env }).trim();
    if (!secret) throw new Error(`scim token ${name} is empty`);
    return { name, hash: sha256(secret) };
  });
}

const challenge = (error?: string): Record<string, string> => ({
  'WWW-Authenticate': `Bearer realm="roster-scim"${error ? `, error="${error}"` : ''}`,
});

/**
 * The name of the token an `Authorization: Bearer …` header carries, or a 401 SCIM error. Every
 * configured hash is compared, in constant time, whatever matched before.
 */
export function authenticate(header: string | undefined, tokens: readonly TokenHash[]): string {
  const m = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header ?? '');
  if (!m) throw new ScimError(401, undefined, 'authentication required: send "Authorization: Bearer <token>"', challenge());
  const presented = sha256(m[1]!);
  let found: string | undefined;
  for (const t of tokens) if (timingSafeEqual(presented, t.hash) && found === undefined) found = t.name;
  if (found === undefined) throw new ScimError(401, undefined, 'the bearer token is not valid for this SCIM endpoint', challenge('invalid_token'));
  return found;
}
