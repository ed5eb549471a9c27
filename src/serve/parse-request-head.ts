import type { IncomingHttpHeaders } from 'node:http';

/** A request head the fast path can serve; anything else goes to node:http (see fast-http-connection.ts). */
export interface RequestHead {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly contentLength: number;
  readonly keepAlive: boolean;
}

const REQUEST_LINE = /^([A-Z]{1,16}) ([\x21-\x7e]{1,8192}) HTTP\/1\.([01])$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;
/** Control characters other than HTAB may not appear in a field value. */
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * Parses the head of an HTTP/1.x request (the text before the blank line, latin1-decoded) in
 * the narrow, unambiguous form gateways send: one request line, `name: value` fields, a
 * Content-Length or no body. Returns null for anything outside that form — folded or duplicate
 * fields, Transfer-Encoding, Expect, Upgrade, an unusual Connection — which node:http then
 * handles (or rejects) with its full parser, so the fast path never guesses at an ambiguity.
 */
export function parseRequestHead(text: string): RequestHead | null {
  const lines = text.split('\r\n');
  const start = REQUEST_LINE.exec(lines[0]!);
  if (start === null) return null;
  // No prototype: a field named `constructor` or `__proto__` is just a field.
  const headers = Object.create(null) as Record<string, string>;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const m = HEADER_LINE.exec(line);
    if (m === null || BAD_VALUE.test(m[2]!)) return null;
    const name = m[1]!.toLowerCase();
    if (name in headers) return null;
    headers[name] = m[2]!;
  }
  if ('transfer-encoding' in headers || 'expect' in headers || 'upgrade' in headers) return null;
  let contentLength = 0;
  const cl = headers['content-length'];
  if (cl !== undefined) {
    if (!/^\d{1,9}$/.test(cl)) return null;
    contentLength = Number(cl);
  }
  let close = false;
  let keepAliveToken = false;
  const connection = headers['connection'];
  if (connection !== undefined) {
    for (const token of connection.toLowerCase().split(',')) {
      const t = token.trim();
      if (t === 'close') close = true;
      else if (t === 'keep-alive') keepAliveToken = true;
      else if (t !== '') return null;
    }
  }
  const http11 = start[3] === '1';
  return { method: start[1]!, url: start[2]!, headers, contentLength, keepAlive: !close && (http11 || keepAliveToken) };
}
