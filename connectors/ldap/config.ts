import { z } from 'zod';
import { PRINCIPAL_KINDS } from '../../src/model/principal-kind.js';
import { PRESETS, type PresetName } from './presets.js';

/**
 * Options of an `ldap` source. A preset (`openldap` or `active-directory`) fills in filters,
 * attribute mapping, membership styles and the incremental strategy, so a typical source needs
 * only `url`, `bindDN`, `bindPassword` and `baseDN`; every preset value can be overridden.
 */

const secretRef = z.union([z.object({ file: z.string().min(1) }).strict(), z.object({ env: z.string().min(1) }).strict()], {
  error: 'expected a secret reference: { file: PATH } or { env: VARIABLE } (inline secrets are not accepted)',
});

const ldapUrl = z
  .string()
  .regex(/^ldaps?:\/\/[^/?#\s]+\/?$/i, 'expected an LDAP URL like ldap://host:389 or ldaps://host:636 (scheme, host and port only)');

/** A duration, as in the rest of the config: "500ms", "30s", "15m", "1h", "7d", or a number of seconds; in ms. */
const duration = z.union(
  [
    z
      .number()
      .positive()
      .transform((n) => Math.round(n * 1000)),
    z
      .string()
      .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration like "500ms", "30s", "15m", "1h" or "7d"')
      .transform((s) => {
        const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(s)!;
        return Number(n) * ({ ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as Record<string, number>)[unit!]!;
      }),
  ],
  { error: 'expected a duration like "500ms", "30s", "15m", "1h" or "7d", or a number of seconds' },
);

const searchSpec = z
  .object({
    /** Base DN of the search (defaults to the source's `baseDN`). */
    baseDN: z.string().min(1).optional(),
    /** An RFC 4515 filter, parenthesized. */
    filter: z.string().regex(/^\(.*\)$/s, 'expected an LDAP filter in parentheses, e.g. (objectClass=person)').optional(),
    scope: z.enum(['one', 'sub']).optional(),
  })
  .strict();

const attributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'expected an LDAP attribute name');

const statusRule = z.union(
  [
    z.object({ attribute: attributeName, disabledBit: z.number().int().positive() }).strict(),
    z.object({ attribute: attributeName, disabledValues: z.array(z.string()).min(1) }).strict(),
    z.object({ attribute: attributeName, disabledWhenPresent: z.literal(true) }).strict(),
    z.null(),
  ],
  { error: 'expected { attribute, disabledBit } (AD userAccountControl), { attribute, disabledValues: [...] }, { attribute, disabledWhenPresent: true } or null' },
);

const memberAttribute = z
  .object({
    attribute: attributeName,
    /** `dn`: values are DNs (member, uniqueMember); `login`: values are login names (posix memberUid). */
    by: z.enum(['dn', 'login']),
  })
  .strict();

export const ldapOptionsSchema = z
  .object({
    preset: z.enum(['openldap', 'active-directory']),
    /** One server URL, or `urls`: tried in order, the next one when a server cannot be reached. */
    url: ldapUrl.optional(),
    urls: z.array(ldapUrl).min(1).optional(),
    /** Simple bind DN (AD also accepts `user@domain`); omit for an anonymous bind. */
    bindDN: z.string().min(1).optional(),
    bindPassword: secretRef.optional(),
    baseDN: z.string().min(1),
    tls: z
      .object({
        /** Upgrade an ldap:// connection with StartTLS before binding. */
        startTLS: z.boolean().default(false),
        /** PEM file of the CA(s) that signed the server certificate (relative to the config file). */
        ca: z.string().min(1).optional(),
        /** Client certificate (PEM file) and its key (a secret: file or environment variable). */
        cert: z.string().min(1).optional(),
        key: secretRef.optional(),
        /** Host name expected in the server certificate, when it differs from the URL's host. */
        servername: z.string().min(1).optional(),
        /** Only for a lab: accept any server certificate. */
        rejectUnauthorized: z.boolean().default(true),
      })
      .strict()
      .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: 'give both cert and key for a client certificate, or neither' })
      .optional(),
    connectTimeout: duration.prefault('10s'),
    /** Longest wait for one server response (a bind, or one page of a search). */
    searchTimeout: duration.prefault('2m'),
    /** Entries per page of the paged-results control (RFC 2696). */
    pageSize: z.number().int().min(1).max(100_000).default(500),
    users: searchSpec.optional(),
    groups: searchSpec.optional(),
    attributes: z
      .object({
        /** The stable id (entryUUID, objectGUID); never a renameable name. */
        id: attributeName,
        /** `guid`: the attribute is a binary GUID (objectGUID), delivered as its standard string form. */
        idFormat: z.enum(['string', 'guid']),
        login: attributeName.nullable(),
        /** Identifier kinds the login value is delivered as. */
        loginKinds: z.array(z.enum(['uid', 'login'])).min(1),
        email: attributeName.nullable(),
        /** Whether the directory vouches for the email addresses (linking rules may require it). */
        emailVerified: z.boolean(),
        upn: attributeName.nullable(),
        employeeId: attributeName.nullable(),
        displayName: attributeName.nullable(),
        /** The group name (roles can select groups by it). */
        groupName: attributeName,
        /** More attributes copied onto the account (department, title...), for attribute rules. */
        extra: z.array(attributeName),
      })
      .partial()
      .strict()
      .optional(),
    status: statusRule.optional(),
    /** What a disabled account becomes. */
    disabledStatus: z.enum(['suspended', 'deprovisioned']).default('suspended'),
    accountKind: z.enum(PRINCIPAL_KINDS).default('human'),
    /** Group attributes that list members, and how their values name a member. */
    memberAttributes: z.array(memberAttribute).min(1).optional(),
    /**
     * Ranged retrieval of member lists (AD: `member;range=0-1499`, ...): values per request, or
     * null to take what the server sends (ranges the server imposes are still followed).
     */
    memberRange: z.number().int().min(10).nullable().optional(),
    /**
     * How an incremental run finds changes: `entryCSN` (OpenLDAP; contextCSN needs syncprov),
     * `modifyTimestamp` (any server; re-reads an overlap), `usnChanged` (AD), `none` (always full).
     */
    incremental: z.enum(['entryCSN', 'modifyTimestamp', 'usnChanged', 'none']).optional(),
    /** modifyTimestamp only: how far back before the last seen timestamp each poll re-reads. */
    incrementalOverlap: duration.prefault('5m'),
    /** AD: find deletions between reconciles through tombstones (Show Deleted control). */
    showDeleted: z.boolean().optional(),
    /**
     * Incremental runs also read changed users' `memberOf` (AD keeps it for every member), so a
     * user moved into the synced subtree gets its group memberships without waiting for the reconcile.
     */
    memberOf: z.boolean().optional(),
    /**
     * Search continuation references: `fail` (the snapshot would be partial), or
     * `ignore-partitions` (AD: skip references to DomainDnsZones, ForestDnsZones, Configuration).
     */
    references: z.enum(['fail', 'ignore-partitions']).optional(),
    /** Attribute holding an entry's own DN in filters (entryDN on OpenLDAP, distinguishedName on AD). */
    dnAttribute: attributeName.optional(),
  })
  .strict()
  .refine((o) => (o.url === undefined) !== (o.urls === undefined), { message: 'give exactly one of url or urls', path: ['url'] })
  .refine((o) => o.bindDN === undefined || o.bindPassword !== undefined, { message: 'bindDN needs bindPassword ({ file } or { env })', path: ['bindPassword'] })
  .refine((o) => !(o.tls?.startTLS && [...(o.urls ?? []), o.url ?? ''].some((u) => /^ldaps:/i.test(u))), {
    message: 'startTLS upgrades ldap:// connections; ldaps:// is already TLS',
    path: ['tls', 'startTLS'],
  });

export type LdapRawOptions = z.infer<typeof ldapOptionsSchema>;
type SecretRef = { readonly file: string } | { readonly env: string };
export type StatusRule = Exclude<z.infer<typeof statusRule>, null>;

export interface SearchTarget {
  readonly baseDN: string;
  readonly filter: string;
  readonly scope: 'one' | 'sub';
}

export interface AttributeMapping {
  readonly id: string;
  readonly idFormat: 'string' | 'guid';
  readonly login: string | null;
  readonly loginKinds: readonly ('uid' | 'login')[];
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly upn: string | null;
  readonly employeeId: string | null;
  readonly displayName: string | null;
  readonly groupName: string;
  readonly extra: readonly string[];
}

/** The options with the preset applied: everything the connector needs, nothing optional left open. */
export interface LdapOptions {
  readonly preset: PresetName;
  readonly urls: readonly string[];
  readonly bindDN: string | null;
  readonly bindPassword: SecretRef | null;
  readonly baseDN: string;
  readonly tls: {
    readonly startTLS: boolean;
    readonly ca: string | null;
    readonly cert: string | null;
    readonly key: SecretRef | null;
    readonly servername: string | null;
    readonly rejectUnauthorized: boolean;
  };
  readonly connectTimeoutMs: number;
  readonly searchTimeoutMs: number;
  readonly pageSize: number;
  readonly users: SearchTarget;
  readonly groups: SearchTarget;
  readonly attributes: AttributeMapping;
  readonly status: StatusRule | null;
  readonly disabledStatus: 'suspended' | 'deprovisioned';
  readonly accountKind: (typeof PRINCIPAL_KINDS)[number];
  readonly memberAttributes: readonly { readonly attribute: string; readonly by: 'dn' | 'login' }[];
  readonly memberRange: number | null;
  readonly incremental: 'entryCSN' | 'modifyTimestamp' | 'usnChanged' | 'none';
  readonly incrementalOverlapMs: number;
  readonly showDeleted: boolean;
  readonly memberOf: boolean;
  readonly references: 'fail' | 'ignore-partitions';
  readonly dnAttribute: string;
}

/** Validates raw options and applies the preset; zod issue paths are relative to `options`. */
export function parseLdapOptions(raw: unknown): LdapOptions {
  const o = ldapOptionsSchema.parse(raw);
  const p = PRESETS[o.preset];
  const target = (given: z.infer<typeof searchSpec> | undefined, preset: { filter: string }): SearchTarget => ({
    baseDN: given?.baseDN ?? o.baseDN,
    filter: given?.filter ?? preset.filter,
    scope: given?.scope ?? 'sub',
  });
  return {
    preset: o.preset,
    urls: o.urls ?? [o.url!],
    bindDN: o.bindDN ?? null,
    bindPassword: o.bindPassword ?? null,
    baseDN: o.baseDN,
    tls: {
      startTLS: o.tls?.startTLS ?? false,
      ca: o.tls?.ca ?? null,
      cert: o.tls?.cert ?? null,
      key: o.tls?.key ?? null,
      servername: o.tls?.servername ?? null,
      rejectUnauthorized: o.tls?.rejectUnauthorized ?? true,
    },
    connectTimeoutMs: o.connectTimeout,
    searchTimeoutMs: o.searchTimeout,
    pageSize: o.pageSize,
    users: target(o.users, p.users),
    groups: target(o.groups, p.groups),
    attributes: { ...p.attributes, ...o.attributes },
    status: o.status === undefined ? p.status : o.status,
    disabledStatus: o.disabledStatus,
    accountKind: o.accountKind,
    memberAttributes: o.memberAttributes ?? p.memberAttributes,
    memberRange: o.memberRange === undefined ? p.memberRange : o.memberRange,
    incremental: o.incremental ?? p.incremental,
    incrementalOverlapMs: o.incrementalOverlap,
    showDeleted: o.showDeleted ?? p.showDeleted,
    memberOf: o.memberOf ?? p.memberOf,
    references: o.references ?? p.references,
    dnAttribute: o.dnAttribute ?? p.dnAttribute,
  };
}
