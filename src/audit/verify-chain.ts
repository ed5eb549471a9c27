import type { ChainSource } from '../store/decision-scan.js';
import { chainHash } from './chain-hash.js';

export type VerifyResult =
  | { readonly ok: true; readonly records: number; readonly firstHash: string | null; readonly lastHash: string | null }
  | { readonly ok: false; readonly records: number; readonly seq: number; readonly decisionId: string; readonly problem: string };

/**
 * Walks the chain in order and names the first bad record: an edited record (its hash no longer
 * matches), a deleted or inserted one (the link to its predecessor breaks), a gap in sequence
 * numbers. `expectedPrev` pins where the walk starts (the genesis hash, or the row before).
 */
export function verifyChain(source: ChainSource, expectedPrev: string | null, expectedFirstSeq: number | null): VerifyResult {
  let prev = expectedPrev;
  let prevSeq = expectedFirstSeq === null ? null : expectedFirstSeq - 1;
  let n = 0;
  let first: string | null = null;
  for (const batch of source.links()) {
    for (const [seq, record, prevHash, hash] of batch) {
      let problem: string | null = null;
      if (prevSeq !== null && seq !== prevSeq + 1) problem = `sequence jumps from ${prevSeq} to ${seq}: records were deleted`;
      else if (prev !== null && prevHash !== prev) problem = 'does not link to the record before it: a record was inserted, deleted or reordered';
      else if (chainHash(prevHash, record) !== hash) problem = 'its content does not match its hash: the record was edited';
      if (problem !== null) return { ok: false, records: n, seq, decisionId: source.decisionIdOf(seq), problem };
      first ??= hash;
      prev = hash;
      prevSeq = seq;
      n++;
    }
  }
  return { ok: true, records: n, firstHash: first, lastHash: prev };
}
