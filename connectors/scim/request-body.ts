import type { IncomingMessage } from 'node:http';
import { badRequest, ScimError } from './scim-error.js';

/** Deepest nesting of objects and arrays accepted in a body (SCIM resources need about 4). */
export const MAX_JSON_DEPTH = 32;

const JSON_TYPE = /^application\/(scim\+)?json\s*(;|$)/i;

/**
 * Reads and parses a JSON request body: 413 over `limit` bytes (checked against Content-Length
 * before reading, and while reading), 415 for a content type that is not JSON or a compressed
 * body, 400 invalidSyntax for malformed JSON or nesting deeper than MAX_JSON_DEPTH.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !JSON_TYPE.test(type)) {
    throw new ScimError(415, undefined, 'the body must be application/scim+json or application/json');
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') throw new ScimError(415, undefined, 'compressed request bodies are not accepted');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks, size).toString('utf8');
  if (text.trim() === '') throw badRequest('invalidSyntax', 'the request body is empty');
  checkDepth(text);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest('invalidSyntax', `the body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}

const tooLarge = (limit: number): ScimError =>
  new ScimError(413, undefined, `the request body is larger than ${limit} bytes`, { Connection: 'close' });

/** Rejects deep nesting before parsing, so nothing recursive ever walks it. */
export function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > MAX_JSON_DEPTH) throw badRequest('invalidSyntax', `the body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (c === 125 || c === 93) depth--;
  }
}
