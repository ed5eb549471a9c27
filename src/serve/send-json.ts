import type { ServerResponse } from 'node:http';
import { RosterError } from '../errors/roster-error.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Errors as `{ error: { code, message } }` with the code's HTTP status; unknown errors are 500. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof RosterError) {
    sendJson(res, err.status, { error: { code: err.code, message: err.message } });
  } else {
    sendJson(res, 500, { error: { code: 'ROSTER_ERR_INTERNAL', message: 'internal error' } });
  }
}
