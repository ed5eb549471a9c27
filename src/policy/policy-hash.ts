import { createHash } from 'node:crypto';

/** The policy version: sha256 of the exact policy text. */
export const policyHash = (text: string): string => 'sha256:' + createHash('sha256').update(text).digest('hex');
