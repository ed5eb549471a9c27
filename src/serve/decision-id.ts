import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let offset = pool.length;

/**
 * A UUIDv7 decision id: 48 bits of milliseconds, then randomness. Time-ordered, so the decision
 * log's id index is appended to rather than scattered into, and ids sort by time.
 */
export function newDecisionId(now: number): string {
  if (offset + 10 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const r = pool.subarray(offset, offset + 10);
  offset += 10;
  const ts = now.toString(16).padStart(12, '0').slice(-12);
  const rand = r.toString('hex');
  const variant = ((r[2]! & 0x3f) | 0x80).toString(16).padStart(2, '0');
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${rand.slice(0, 3)}-${variant}${rand.slice(6, 8)}-${rand.slice(8, 20)}`;
}
