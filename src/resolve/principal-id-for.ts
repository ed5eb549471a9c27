import * as crypto from 'node:crypto';

/** One-shot SHA-256 (Node >= 20.12) skips a Hash object per id; older 20.x falls back to createHash. */
const sha256Hex: (data: string) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'hex') : (data) => crypto.createHash('sha256').update(data).digest('hex');

/** A new principal id derived from the account key, so a replay of the same history yields the same ids. */
export const principalIdFor = (accountKey: string, attempt = 0): string =>
  'p_' + sha256Hex(attempt ? `${accountKey}\u0000${attempt}` : accountKey).slice(0, 16);
