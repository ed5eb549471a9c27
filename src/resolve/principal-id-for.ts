import { createHash } from 'node:crypto';

/** A new principal id derived from the account key, so a replay of the same history yields the same ids. */
export const principalIdFor = (accountKey: string, attempt = 0): string =>
  'p_' + createHash('sha256').update(attempt ? `${accountKey}\u0000${attempt}` : accountKey).digest('hex').slice(0, 16);
