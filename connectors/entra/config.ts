import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CLOUDS, type CloudName } from './clouds.js';

/**
 * Options of an `entra` source: a Microsoft Entra ID tenant read through Microsoft Graph with
 * client credentials (an app registration with a client secret or a certificate). A typical
 * source needs only `tenantId`, `clientId` and `clientSecret`; `cloud` picks a national cloud.
 */

const secretRef = z.union([z.object({ file: z.string().min(1) }).strict(), z.object({ env: z.string().min(1) }).strict()], {
  error: 'expected a secret reference: { file: PATH } or { env: VARIABLE } (inline secrets are not accepted)',
});
export type SecretRef = z.infer<typeof secretRef>;

/** A duration: milliseconds as a number, or a string like "500ms", "30s", "2m". */
const duration = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(ms|s|m|h)$/, 'expected a duration like "500ms", "30s", "2m" or "1h"')
    .transform((s) => {
      const n = Number(/^\d+/.exec(s)![0]);
      const unit = s.slice(String(n).length);
      return n * ({ ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as Record<string, number>)[unit]!;
    }),
]);

const httpsOrigin = z
  .string()
  .regex(/^https:\/\/[^/?#\s]+\/?$/i, 'expected an https origin like https://login.microsoftonline.us (scheme and host only)')
  .transform((s) => s.replace(/\/$/, '').toLowerCase());

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected a GUID like 00000000-0000-0000-0000-000000000000');
const tenant = z
  .string()
  .regex(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9][a-z0-9.-]*\.[a-z]{2,})$/i, 'expected a tenant id (GUID) or a verified domain like contoso.onmicrosoft.com');
/** A Graph property name for `$select`. */
const property = z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'expected a Microsoft Graph property name like department');
const status = z.enum(['suspended', 'deprovisioned']);

export const GROUP_TYPES = ['security', 'microsoft365', 'distribution'] as const;
export type GroupType = (typeof GROUP_TYPES)[number];

export const entraOptionsSchema = z
  .object({
    /** The directory (tenant) id, or a verified domain of the tenant. */
    tenantId: tenant,
    /** Application (client) id of the app registration Roster signs in as. */
    clientId: guid,
    clientSecret: secretRef.optional(),
    certificate: z
      .object({
        /** PEM file of the certificate uploaded to the app registration (relative to the config file). */
        certificate: z.string().min(1),
        /** Its private key (PEM), a secret: file or environment variable. */
        privateKey: secretRef,
        /** Send the certificate chain (x5c) with each token request (subject name + issuer authentication). */
        sendX5c: z.boolean().default(false),
      })
      .strict()
      .optional(),
    /** National cloud: sets the authority host and the Graph endpoint (each can be overridden). */
    cloud: z.enum(Object.keys(CLOUDS) as [CloudName, ...CloudName[]]).default('global'),
    authorityHost: httpsOrigin.optional(),
    graphEndpoint: httpsOrigin.optional(),
    users: z
      .object({
        /** What an account with accountEnabled = false becomes. */
        disabledStatus: status.default('suspended'),
        /** What a soft-deleted account (in the tenant's recycle bin, `@removed: changed`) becomes. */
        softDeletedStatus: status.default('deprovisioned'),
        /** Whether `mail` counts as a verified email for identity linking. */
        emailVerified: z.boolean().default(true),
        /** More user properties copied onto the account as attributes (department, jobTitle, employeeId...). */
        attributes: z.array(property).default([]),
      })
      .strict()
      .prefault({}),
    groups: z
      .object({
        /** Which groups are read: security (incl. mail-enabled security), microsoft365 (Unified), distribution. */
        types: z.array(z.enum(GROUP_TYPES)).min(1).default(['security', 'microsoft365']),
      })
      .strict()
      .prefault({}),
    servicePrincipals: z
      .object({
        enabled: z.boolean().default(false),
        /** The principal kind of a service principal: a workload (`service`) or an AI `agent`. */
        kind: z.enum(['service', 'agent']).default('service'),
        /** Service principals carrying one of these tags are agents whatever `kind` says. */
        agentTags: z.array(z.string().min(1)).default([]),
        /** servicePrincipalType values read. */
        types: z.array(z.enum(['Application', 'ManagedIdentity', 'Legacy', 'SocialIdp'])).min(1).default(['Application', 'ManagedIdentity']),
        /** Only service principals carrying this tag (e.g. "roster"); null reads all of the types above. */
        requireTag: z.string().min(1).nullable().default(null),
        /** Skip Microsoft's own first-party applications (present in every tenant). */
        excludeMicrosoftApps: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** The enterprise application whose app-role assignments (appRoleAssignedTo) become `approle:<value>` groups. */
    appRoles: z
      .object({
        /** Object id of its service principal, or `appId`: its application (client) id. */
        servicePrincipalId: guid.optional(),
        appId: guid.optional(),
        /** Deliver assignments without a specific role (default access) as group `approle:default`. */
        includeDefaultAccess: z.boolean().default(false),
      })
      .strict()
      .refine((a) => (a.servicePrincipalId === undefined) !== (a.appId === undefined), { message: 'give exactly one of servicePrincipalId or appId' })
      .optional(),
    /** Longest wait for one Graph or token response. */
    requestTimeout: duration.default(60_000),
    /** Retries of one request on throttling (429), 5xx and network errors before the run fails. */
    maxRetries: z.number().int().min(0).max(20).default(6),
    /** Longest single wait (Retry-After or backoff); a longer Retry-After fails the run instead. */
    maxRetryWait: duration.default(300_000),
  })
  .strict()
  .refine((o) => (o.clientSecret === undefined) !== (o.certificate === undefined), {
    message: 'give exactly one credential: clientSecret ({ file } or { env }) or certificate ({ certificate, privateKey })',
    path: ['clientSecret'],
  });

type Raw = z.infer<typeof entraOptionsSchema>;

/** The validated options with the cloud preset applied. */
export interface EntraOptions extends Omit<Raw, 'authorityHost' | 'graphEndpoint' | 'requestTimeout' | 'maxRetryWait'> {
  readonly authorityHost: string;
  readonly graphEndpoint: string;
  readonly requestTimeoutMs: number;
  readonly maxRetryWaitMs: number;
}

/** Validates raw options and applies the cloud preset; zod issue paths are relative to `options`. */
export function parseEntraOptions(raw: unknown): EntraOptions {
  const { authorityHost, graphEndpoint, requestTimeout, maxRetryWait, ...o } = entraOptionsSchema.parse(raw);
  const cloud = CLOUDS[o.cloud];
  return {
    ...o,
    authorityHost: authorityHost ?? cloud.authorityHost,
    graphEndpoint: graphEndpoint ?? cloud.graphEndpoint,
    requestTimeoutMs: requestTimeout,
    maxRetryWaitMs: maxRetryWait,
  };
}

/**
 * A digest of every option that shapes what the delta rounds deliver. A cursor made under other
 * options (another tenant, endpoint, $select or mapping) is not resumed: the run is a full one.
 */
export function optionsFingerprint(o: EntraOptions): string {
  const shape = {
    tenantId: o.tenantId.toLowerCase(),
    clientId: o.clientId.toLowerCase(),
    graphEndpoint: o.graphEndpoint,
    users: o.users,
    groups: o.groups,
    servicePrincipals: o.servicePrincipals,
    appRoles: o.appRoles ?? null,
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16);
}
