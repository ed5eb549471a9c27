import { z } from 'zod';
import { IDENTIFIER_KINDS } from '../../src/model/identifier.js';
import { PRINCIPAL_KINDS } from '../../src/model/principal-kind.js';
import { PRINCIPAL_STATUSES } from '../../src/model/principal-status.js';

const name = z.string().min(1);

/** The static directory file: principals (people, service accounts, agents) and groups. */
export const staticDirectorySchema = z
  .object({
    principals: z
      .array(
        z
          .object({
            id: name,
            kind: z.enum(PRINCIPAL_KINDS).default('human'),
            status: z.enum(PRINCIPAL_STATUSES).default('active'),
            displayName: z.string().optional(),
            email: z.string().optional(),
            upn: z.string().optional(),
            uid: z.string().optional(),
            clientId: z.string().optional(),
            employeeId: z.string().optional(),
            /** OIDC subjects as `{ issuer, sub }`. */
            subjects: z.array(z.object({ issuer: z.string().min(1), sub: z.string().min(1) }).strict()).default([]),
            identifiers: z.array(z.object({ kind: z.enum(IDENTIFIER_KINDS), value: name }).strict()).default([]),
            attributes: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
            groups: z.array(name).default([]),
            /** Roles granted directly, without a group mapping in the config. */
            roles: z.array(name).default([]),
          })
          .strict(),
      )
      .default([]),
    groups: z
      .array(z.object({ id: name, name: z.string().optional(), memberOf: z.array(name).default([]) }).strict())
      .default([]),
  })
  .strict();

export type StaticDirectory = z.infer<typeof staticDirectorySchema>;
