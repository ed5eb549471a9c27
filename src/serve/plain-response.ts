import type { ServerResponse } from 'node:http';

/** One answer of an HTTP socket, whichever HTTP layer writes it: always JSON. */
export interface PlainResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Writes an answer through node:http (`headOnly`: a HEAD request gets the head alone). */
export function writePlain(res: ServerResponse, r: PlainResponse, headOnly = false): void {
  res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body), ...r.headers });
  res.end(headOnly ? undefined : r.body);
}
