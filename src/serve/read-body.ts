import type { IncomingMessage } from 'node:http';
import { RosterError } from '../errors/roster-error.js';

/** Reads a request body up to `limit` bytes; a larger one is refused without reading it all. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(new RosterError('ROSTER_ERR_REQUEST_TOO_LARGE', { limit }));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new RosterError('ROSTER_ERR_REQUEST_TOO_LARGE', { limit }));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}
