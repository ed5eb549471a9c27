import cron from 'node-cron';
import { z } from 'zod';
import { IDENTIFIER_KINDS } from '../model/identifier.js';
import { durationSchema } from './duration.js';

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected an id of lower-case letters, digits, "-" or "_" (max 63)');
const fileMode = z
  .string()
  .regex(/^0?[0-7]{3}$/, 'expected an octal file mode like "0660"')
  .transform((s) => parseInt(s, 8));

const header = z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name').transform((h) => h.toLowerCase());

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);

const cronSchema = z.string().refine((s) => cron.validate(s), { message: 'expected a cron expression like "*/15 * * * *"' });

const groupSelector = z
  .object({ source: id, name: z.string().min(1).optional(), dn: z.string().min(1).optional(), id: z.string().min(1).optional() })
  .strict()
  .refine((g) => [g.name, g.dn, g.id].filter((x) => x !== undefined).length === 1, {
    message: 'name exactly one of name, dn or id for the group',
  });

const attributeCondition = z
  .object({ source: id.optional(), name: z.string().min(1), equals: z.string().optional(), in: z.array(z.string()).min(1).optional() })
  .strict()
  .refine((a) => (a.equals === undefined) !== (a.in === undefined), { message: 'give exactly one of equals or in' });

const roleSource = z.union(
  [
    z.object({ group: groupSelector }).strict(),
    z.object({ attribute: attributeCondition }).strict(),
    z.object({ principals: z.array(z.string().min(1)).min(1) }).strict(),
  ],
  { error: 'expected { group: {...} }, { attribute: {...} } or { principals: [...] }' },
);

export const roleSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'expected a role name of letters, digits, "_", ".", ":" or "-"'),
    rank: z.number().int().default(0),
    description: z.string().optional(),
    grantedBy: z.array(roleSource).default([]),
  })
  .strict();

export const sourceSchema = z
  .object({
    // `config` names the versions a change of role rules makes (trigger manual): not a source.
    id: id.refine((v) => v !== 'config', '"config" is reserved (it names configuration changes in the history)'),
    type: z.string().min(1),
    enabled: z.boolean().default(true),
    /** When to poll (node-cron syntax); push sources ignore it. */
    schedule: cronSchema.default('*/15 * * * *'),
    /** Run once this long after start, before the first scheduled tick. */
    firstDelay: durationSchema.prefault(0),
    /** A full reconcile at most this often, even when the connector can do deltas. */
    fullSyncEvery: durationSchema.prefault('1h'),
    /** Decisions that rely on this source fail closed when its data is older than this. */
    maxStaleness: durationSchema.prefault('1h'),
    /** A poll sync that would remove more than maxPercent of the source's accounts or of all role grants is held. */
    deletionGuard: z
      .object({ maxPercent: z.number().min(0).max(100).default(10), minimum: z.number().int().min(0).default(10) })
      .strict()
      .prefault({}),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const configSchema = z
  .object({
    store: z.object({ path: z.string().min(1).default('./var/roster.db') }).strict().default({ path: './var/roster.db' }),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') })
      .strict()
      .default({ level: 'info' }),
    listen: z
      .object({
        decision: z
          .object({
            path: z.string().min(1).default('./var/decision.sock'),
            mode: fileMode.default(0o660),
            group: z.string().optional(),
            /** Largest request body accepted (bytes). */
            bodyLimit: z.number().int().min(1024).max(16 * 1024 * 1024).default(65536),
            /** Header names for /v1/authz and /envoy/ (lower-cased). */
            headers: z
              .object({
                subject: header.optional(),
                issuer: header.optional(),
                uri: header.optional(),
                method: header.optional(),
                action: header.optional(),
                model: header.optional(),
                endpoint: header.optional(),
                dataClasses: header.optional(),
              })
              .strict()
              .default({}),
          })
          .strict()
          .prefault({}),
        admin: z
          .object({ path: z.string().min(1).default('./var/admin.sock'), mode: fileMode.default(0o600), group: z.string().optional() })
          .strict()
          .default({ path: './var/admin.sock', mode: 0o600 }),
        /** Prometheus metrics over TCP (GET /metrics); off unless set. Metrics name sources and versions, so loopback only unless allowRemote. */
        metrics: z
          .object({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(0).max(65535), allowRemote: z.boolean().default(false) })
          .strict()
          .refine((m) => m.allowRemote || isLoopback(m.host), {
            message: 'expected a loopback host (127.0.0.1, ::1, localhost); set allowRemote: true to serve metrics beyond this host',
          })
          .optional(),
      })
      .strict()
      .prefault({}),
    policy: z.object({ file: z.string().min(1) }).strict().optional(),
    decisionLog: z
      .object({
        /** Its own SQLite file (default: roster-decisions.db beside the store). */
        path: z.string().min(1).optional(),
        /** durable: answer after the record is committed; async: answer first, commit within `window`; off. */
        mode: z.enum(['durable', 'async', 'off']).default('durable'),
        window: durationSchema.prefault('2ms'),
        maxBatch: z.number().int().min(1).max(100_000).default(512),
        /** When a decision cannot be recorded: deny (fail closed) or answer it unrecorded. */
        onFailure: z.enum(['deny', 'allow']).default('deny'),
        /** Where the chain head is written on a schedule, so truncating the newest records is detectable. */
        headSink: z
          .object({
            file: z.string().min(1).optional(),
            /** Also as a syslog line (via logger(1)). */
            syslog: z.boolean().default(false),
            every: durationSchema.prefault('1m'),
          })
          .strict()
          .refine((h) => h.file !== undefined || h.syslog, { message: 'give a file, syslog: true, or both' })
          .optional(),
      })
      .strict()
      .prefault({}),
    /** How long history and decision records are kept; absent: forever. Compaction runs every `every`. */
    retention: z
      .object({
        history: durationSchema.optional(),
        decisions: durationSchema.optional(),
        every: durationSchema.prefault('1d'),
      })
      .strict()
      .refine((r) => r.history === undefined || r.decisions === undefined || r.decisions <= r.history, {
        message: 'decisions cannot be kept longer than history (a kept decision must stay replayable)',
      })
      .prefault({}),
    identity: z
      .object({
        link: z
          .array(
            z
              .object({
                by: z.enum(IDENTIFIER_KINDS),
                sources: z.array(id).min(1).optional(),
                requireVerified: z.boolean().default(false),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ link: [] }),
    sync: z
      .object({
        retryInitial: durationSchema.prefault('5s'),
        retryMax: durationSchema.prefault('10m'),
      })
      .strict()
      .prefault({}),
    roles: z.array(roleSchema).default([]),
    sources: z.array(sourceSchema).default([]),
  })
  .strict();

export type RawConfig = z.infer<typeof configSchema>;
