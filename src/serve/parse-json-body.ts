import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { RosterError } from '../errors/roster-error.js';
import { readBody } from './read-body.js';

/** Content type, size limit, JSON syntax, then the schema: each failure a distinct 4xx. */
export async function parseJsonBody<T extends z.ZodType>(req: IncomingMessage, schema: T, limit: number): Promise<z.infer<T>> {
  return validate(schema, await parseJson(req, limit));
}

/** Content type, size limit and JSON syntax: each failure a distinct 4xx. */
export async function parseJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new RosterError('ROSTER_ERR_REQUEST_CONTENT_TYPE', { found: type });
  const body = await readBody(req, limit);
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new RosterError('ROSTER_ERR_REQUEST_MALFORMED', { cause: err instanceof Error ? err.message : String(err) });
  }
  return raw;
}

export function validate<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new RosterError('ROSTER_ERR_REQUEST_INVALID', { details });
  }
  return parsed.data;
}
