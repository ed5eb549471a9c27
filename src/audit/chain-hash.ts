import { hash } from 'node:crypto';

/** The hash chain link: sha256(prevHash + "\n" + record JSON), hex. One-shot hashing (no Hash object per record): verify and export walk millions of records. */
export const chainHash = (prevHash: string, record: string): string => hash('sha256', `${prevHash}\n${record}`, 'hex');
