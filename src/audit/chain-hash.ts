import { createHash } from 'node:crypto';

/** The hash chain link: sha256(prevHash + "\n" + record JSON), hex. */
export const chainHash = (prevHash: string, record: string): string => createHash('sha256').update(prevHash).update('\n').update(record).digest('hex');
