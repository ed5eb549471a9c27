import { RosterError } from '../errors/roster-error.js';
import type { PlainResponse } from './plain-response.js';

/** An error as `{ error: { code, message } }` with the code's HTTP status; unknown errors are 500. */
export function errorResponse(err: unknown): PlainResponse {
  const error = err instanceof RosterError ? { code: err.code, message: err.message } : { code: 'ROSTER_ERR_INTERNAL', message: 'internal error' };
  return { status: err instanceof RosterError ? err.status : 500, headers: {}, body: JSON.stringify({ error }) };
}
