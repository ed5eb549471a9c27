import type { ServerResponse } from 'node:http';
import { errorResponse } from './error-response.js';
import { writePlain } from './plain-response.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  writePlain(res, { status, headers, body: JSON.stringify(body) });
}

/** Errors as `{ error: { code, message } }` with the code's HTTP status; unknown errors are 500. */
export function sendError(res: ServerResponse, err: unknown): void {
  writePlain(res, errorResponse(err));
}
