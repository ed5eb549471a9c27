import { z } from 'zod';
import { PRINCIPAL_KINDS, type PrincipalKind } from '../../src/model/principal-kind.js';
import type { PrincipalStatus } from '../../src/model/principal-status.js';

/**
 * Options of an `okta` source. A typical source needs only `orgUrl` and `auth`; everything else
 * has a default suited to a large org that other integrations share (see docs/connectors/okta.md).
 */

/** Every status an Okta user can have. */
export const OKTA_USER_STATUSES = ['STAGED', 'PROVISIONED', 'ACTIVE', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'SUSPENDED', 'DEPROVISIONED'] as const;
export type OktaUserStatus = (typeof OKTA_USER_STATUSES)[number];

export const OKTA_GROUP_TYPES = ['OKTA_GROUP', 'APP_GROUP', 'BUILT_IN'] as const;
export type OktaGroupType = (typeof OKTA_GROUP_TYPES)[number];

/** What an Okta status becomes in Roster; `skip` leaves such users out of the source entirely. */
export type StatusMapping = PrincipalStatus | 'skip';

export const DEFAULT_STATUS_MAP: Readonly<Record<OktaUserStatus, StatusMapping>> = {
  ACTIVE: 'active',
  PROVISIONED: 'active',
  RECOVERY: 'active',
  PASSWORD_EXPIRED: 'active',
  LOCKED_OUT: 'active',
  STAGED: 'suspended',
  SUSPENDED: 'suspended',
  DEPROVISIONED: 'deprovisioned',
};

/** Profile attributes copied onto accounts by default (attribute rules can match them). */
export const DEFAULT_PROFILE_ATTRIBUTES = ['department', 'title', 'division', 'organization', 'costCenter', 'employeeNumber', 'userType', 'managerId'];

/** Okta's documented page-size maxima. */
export const MAX_PAGE = { users: 200, groups: 10_000, groupMembers: 1_000, logs: 1_000 } as const;

const secretRef = z.union([z.object({ file: z.string().min(1) }).strict(), z.object({ env: z.string().min(1) }).strict()], {
  error: 'expected a secret reference: { file: PATH } or { env: VARIABLE } (inline secrets are not accepted)',
});

/** A duration: a number of seconds, or a string like "500ms", "30s", "2m", "1h". */
const duration = z.union([
  z.number().nonnegative().transform((s) => Math.round(s * 1000)),
  z
    .string()
    .regex(/^\d+(ms|s|m|h)$/, 'expected a duration like "500ms", "30s", "2m" or "1h" (or a number of seconds)')
    .transform((s) => {
      const n = Number(/^\d+/.exec(s)![0]);
      const unit = s.slice(String(n).length);
      return n * ({ ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as Record<string, number>)[unit]!;
    }),
]);

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The org URL without a trailing slash (the SDK appends paths to it verbatim). */
const orgUrl = z
  .string()
  .trim()
  .superRefine((s, ctx) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected the org URL, e.g. https://example.okta.com' });
      return;
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname))) {
      ctx.addIssue({ code: 'custom', message: 'the org URL must be https:// (plain http only on loopback, for tests)' });
    }
    if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password) {
      ctx.addIssue({ code: 'custom', message: 'expected the org URL only (scheme and host, e.g. https://example.okta.com), without a path' });
    }
  })
  .transform((s) => new URL(s).origin);

const auth = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('apiToken'), token: secretRef }).strict(),
    z
      .object({
        type: z.literal('privateKey'),
        /** The service app's client id. */
        clientId: z.string().min(1),
        /** The private key, PEM (PKCS#1 or PKCS#8, RSA or EC) or a JWK (JSON). */
        privateKey: secretRef,
        /** The key id registered with the app (a JWK's own `kid` wins). */
        keyId: z.string().min(1).optional(),
        /** Scopes to request; the defaults are the read scopes the sync needs. */
        scopes: z.array(z.string().regex(/^okta\.[A-Za-z.]+$/, 'expected an Okta scope like okta.users.read')).min(1).optional(),
      })
      .strict(),
  ],
  { error: 'expected auth: { type: apiToken, token: {file|env} } or { type: privateKey, clientId, privateKey: {file|env} }' },
);

export const oktaOptionsSchema = z
  .object({
    orgUrl,
    auth,
    users: z
      .object({
        /** Overrides of the status mapping, e.g. { STAGED: skip, DEPROVISIONED: skip }. */
        statuses: z.partialRecord(z.enum(OKTA_USER_STATUSES), z.enum(['active', 'suspended', 'deprovisioned', 'skip'])).optional(),
        /** Profile attributes copied onto each account (replaces the default list). */
        attributes: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an Okta profile attribute name')).optional(),
        accountKind: z.enum(PRINCIPAL_KINDS).default('human'),
        /** Which emails count as verified: as Okta reports them (credentials.emails), all, or none. */
        emailVerified: z.enum(['okta', 'always', 'never']).default('okta'),
      })
      .strict()
      .refine((u) => !u.statuses || OKTA_USER_STATUSES.some((s) => u.statuses![s] !== 'skip'), { message: 'every status is skipped: nothing would be synced', path: ['statuses'] })
      .default({ accountKind: 'human', emailVerified: 'okta' }),
    groups: z
      .object({ types: z.array(z.enum(OKTA_GROUP_TYPES)).min(1).default(['OKTA_GROUP', 'APP_GROUP']) })
      .strict()
      .default({ types: ['OKTA_GROUP', 'APP_GROUP'] }),
    pageSize: z
      .object({
        users: z.number().int().min(1).max(MAX_PAGE.users),
        groups: z.number().int().min(1).max(MAX_PAGE.groups),
        groupMembers: z.number().int().min(1).max(MAX_PAGE.groupMembers),
        logs: z.number().int().min(1).max(MAX_PAGE.logs),
      })
      .partial()
      .strict()
      .default({}),
    incremental: z
      .object({
        /** How far before the last watermark each incremental run re-reads. */
        overlap: duration.default(120_000),
        /** Poll the System Log for deletions (and, with memberships: system-log, membership changes). */
        systemLog: z.boolean().default(false),
        /**
         * `group-reads`: re-read the whole member list of every group whose membership moved.
         * `system-log`: apply group.user_membership.add/remove events instead (needs systemLog).
         */
        memberships: z.enum(['group-reads', 'system-log']).default('group-reads'),
      })
      .strict()
      .refine((i) => i.memberships !== 'system-log' || i.systemLog, { message: 'memberships: system-log needs systemLog: true', path: ['memberships'] })
      .default({ overlap: 120_000, systemLog: false, memberships: 'group-reads' }),
    rateLimit: z
      .object({
        /** Requests in flight at once (Okta allows 75 per org, shared by every integration). */
        concurrency: z.number().int().min(1).max(75).default(4),
        /** Share of each rate-limit window left untouched, for other clients of the org. */
        reserve: z.number().min(0).max(0.5).default(0),
        /** Below this share of a window's budget, spread the remaining requests until the reset. */
        slowdownBelow: z.number().min(0).max(1).default(0.1),
        /** Longest single wait for a rate-limit reset; a longer one fails the run. */
        maxWait: duration.default(300_000),
      })
      .strict()
      .default({ concurrency: 4, reserve: 0, slowdownBelow: 0.1, maxWait: 300_000 }),
    /** Longest wait for one response (headers and body). */
    requestTimeout: duration.default(30_000),
    /** Retries of 5xx answers, timeouts and network errors, with jittered exponential backoff. */
    retries: z
      .object({ attempts: z.number().int().min(0).max(20).default(5), initialDelay: duration.default(500), maxDelay: duration.default(30_000) })
      .strict()
      .default({ attempts: 5, initialDelay: 500, maxDelay: 30_000 }),
  })
  .strict();

type SecretRef = { readonly file: string } | { readonly env: string };

export type OktaAuth =
  | { readonly type: 'apiToken'; readonly token: SecretRef }
  | { readonly type: 'privateKey'; readonly clientId: string; readonly privateKey: SecretRef; readonly keyId: string | null; readonly scopes: readonly string[] };

/** The options with defaults applied: everything the connector needs. */
export interface OktaOptions {
  readonly orgUrl: string;
  readonly auth: OktaAuth;
  readonly statusMap: Readonly<Record<OktaUserStatus, StatusMapping>>;
  readonly profileAttributes: readonly string[];
  readonly accountKind: PrincipalKind;
  readonly emailVerified: 'okta' | 'always' | 'never';
  readonly groupTypes: readonly OktaGroupType[];
  readonly pageSize: { readonly users: number; readonly groups: number; readonly groupMembers: number; readonly logs: number };
  readonly overlapMs: number;
  readonly systemLog: boolean;
  readonly membershipsFrom: 'group-reads' | 'system-log';
  readonly concurrency: number;
  readonly reserve: number;
  readonly slowdownBelow: number;
  readonly maxWaitMs: number;
  readonly requestTimeoutMs: number;
  readonly retries: { readonly attempts: number; readonly initialDelayMs: number; readonly maxDelayMs: number };
}

export const READ_SCOPES = ['okta.users.read', 'okta.groups.read'] as const;
export const LOG_SCOPE = 'okta.logs.read';

/** Validates raw options and applies defaults; zod issue paths are relative to `options`. */
export function parseOktaOptions(raw: unknown): OktaOptions {
  const o = oktaOptionsSchema.parse(raw);
  const defaultScopes = o.incremental.systemLog ? [...READ_SCOPES, LOG_SCOPE] : [...READ_SCOPES];
  return {
    orgUrl: o.orgUrl,
    auth:
      o.auth.type === 'apiToken'
        ? { type: 'apiToken', token: o.auth.token }
        : { type: 'privateKey', clientId: o.auth.clientId, privateKey: o.auth.privateKey, keyId: o.auth.keyId ?? null, scopes: o.auth.scopes ?? defaultScopes },
    statusMap: { ...DEFAULT_STATUS_MAP, ...o.users.statuses },
    profileAttributes: o.users.attributes ?? DEFAULT_PROFILE_ATTRIBUTES,
    accountKind: o.users.accountKind,
    emailVerified: o.users.emailVerified,
    groupTypes: [...new Set(o.groups.types)],
    pageSize: { ...MAX_PAGE, ...o.pageSize },
    overlapMs: o.incremental.overlap,
    systemLog: o.incremental.systemLog,
    membershipsFrom: o.incremental.memberships,
    concurrency: o.rateLimit.concurrency,
    reserve: o.rateLimit.reserve,
    slowdownBelow: o.rateLimit.slowdownBelow,
    maxWaitMs: o.rateLimit.maxWait,
    requestTimeoutMs: o.requestTimeout,
    retries: { attempts: o.retries.attempts, initialDelayMs: o.retries.initialDelay, maxDelayMs: o.retries.maxDelay },
  };
}
