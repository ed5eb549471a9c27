import { hash } from 'node:crypto';

/**
 * The digest the applier's caches keep instead of a row's canonical JSON: diffs compare
 * digests, and only rows that changed carry their JSON (to the store). SHA-256, so no two
 * different rows can be made to compare equal; 32 one-byte characters instead of ~600 (100k
 * accounts and 100k principals: ~110 MB less held between syncs). About 1 µs per row.
 */
export function jsonDigest(json: string): string {
  return hash('sha256', json, 'binary');
}
