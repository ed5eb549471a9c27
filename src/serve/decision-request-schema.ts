import { z } from 'zod';
import { IDENTIFIER_KINDS } from '../model/identifier.js';
import { isCanonicalPath } from '../policy/canonical-path.js';

const MAX_CONTEXT_DEPTH = 6;

function depth(v: unknown, d = 0): number {
  if (d > MAX_CONTEXT_DEPTH || v === null || typeof v !== 'object') return d;
  let max = d;
  for (const x of Object.values(v)) {
    max = Math.max(max, depth(x, d + 1));
    if (max > MAX_CONTEXT_DEPTH) break;
  }
  return max;
}

const text = (max: number) => z.string().min(1).max(max);

/** The decision request contract (ARCHITECTURE.md), validated strictly; compiled once. */
export const decisionRequestSchema = z
  .object({
    subject: z
      .object({
        id: text(1024),
        issuer: text(2048).optional(),
        kind: z.enum([...IDENTIFIER_KINDS, 'principal'], { error: `kind must be one of ${[...IDENTIFIER_KINDS, 'principal'].join(', ')}` }).optional(),
      })
      .strict(),
    route: text(4096)
      .startsWith('/', 'route must start with "/"')
      .refine(isCanonicalPath, 'route must be a canonical path (no "." or ".." segments, "//", encoded dots or slashes, backslashes, query or control characters)'),
    method: text(16).regex(/^[A-Za-z]+$/, 'method must be letters').transform((m) => m.toUpperCase()).optional(),
    action: text(128).optional(),
    resource: z.record(text(128), z.string().max(1024)).optional(),
    context: z
      .record(z.string().max(128), z.unknown())
      .refine((c) => depth(c) <= MAX_CONTEXT_DEPTH, `context nests deeper than ${MAX_CONTEXT_DEPTH} levels`)
      .optional(),
  })
  .strict();

export const decisionBatchSchema = z.object({ requests: z.array(z.unknown()).min(1).max(1000) }).strict();
