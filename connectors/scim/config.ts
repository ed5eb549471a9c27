import { z } from 'zod';
import { IDENTIFIER_KINDS } from '../../src/model/identifier.js';

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/i;

/** A bearer token: its SHA-256 (hex), or a secret reference whose content is hashed at start. */
const tokenSchema = z.union(
  [
    z.object({ name: z.string().min(1).optional(), sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits') }).strict(),
    z.object({ name: z.string().min(1).optional(), file: z.string().min(1) }).strict(),
    z.object({ name: z.string().min(1).optional(), env: z.string().min(1) }).strict(),
  ],
  { error: 'expected { sha256: HEX } or a secret reference { file: PATH } / { env: VARIABLE } (inline tokens are not accepted)' },
);

/** Options of a `scim` source: one HTTP(S) listener receiving Okta's or Entra ID's pushes. */
export const scimOptionsSchema = z
  .object({
    listen: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535),
      })
      .strict(),
    /** PEM files; relative paths resolve against the config file's folder. */
    tls: z.object({ cert: z.string().min(1), key: z.string().min(1) }).strict().optional(),
    /** Plain HTTP on an address other than loopback (only behind a TLS-terminating proxy on the same host or pod). */
    allowPlainHttp: z.boolean().default(false),
    basePath: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)*\/?$/, 'expected a URL path such as /scim/v2')
      .default('/scim/v2')
      .transform((p) => p.replace(/\/+$/, '')),
    /** The base URL clients use (for `meta.location` and `$ref`); default: from the Host header. */
    publicUrl: z.url().optional().transform((u) => u?.replace(/\/+$/, '')),
    tokens: z.array(tokenSchema).min(1),
    /** Largest request body in bytes (a 10,000-member group replace is about 800 KB). */
    bodyLimit: z.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
    /** Per token; `false` turns it off. Requests over the limit get 429 with Retry-After. */
    rateLimit: z
      .union([z.literal(false), z.object({ perSecond: z.number().positive(), burst: z.number().int().positive().optional() }).strict()])
      .default({ perSecond: 200, burst: 400 }),
    /** Largest page of a list or filter (`count` is capped to it); also the default page size. */
    maxResults: z.number().int().min(1).max(10_000).default(1000),
    identifiers: z
      .object({
        /** The kind the client's externalId is published as: objectId (Entra object id), oktaId, uid... or none. */
        externalId: z.enum([...IDENTIFIER_KINDS, 'none']).default('objectId'),
        userName: z.array(z.enum(['login', 'email', 'upn'])).default(['login', 'email', 'upn']),
        /** Mark emails (and an email-shaped userName) as verified, for `requireVerified` link rules. */
        emailsVerified: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((o) => o.tls !== undefined || o.allowPlainHttp || LOOPBACK.test(o.listen.host), {
    message: 'plain HTTP must listen on loopback (127.0.0.1 or ::1): configure tls, or set allowPlainHttp behind a proxy',
    path: ['listen', 'host'],
  });

export type ScimOptions = z.infer<typeof scimOptionsSchema>;
