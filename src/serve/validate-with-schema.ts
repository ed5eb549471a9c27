import type { z } from 'zod';
import { RosterError } from '../errors/roster-error.js';

/** A parsed body checked against a schema: every problem, with its path, in one 400. */
export function validate<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new RosterError('ROSTER_ERR_REQUEST_INVALID', { details });
  }
  return parsed.data;
}
