import { chainHash } from './chain-hash.js';

export interface ChainRow {
  readonly seq: number;
  readonly decisionId: string;
  readonly record: string;
  readonly prevHash: string;
  readonly hash: string;
}

export type VerifyResult =
  | { readonly ok: true; readonly records: number; readonly firstHash: string | null; readonly lastHash: string | null }
  | { readonly ok: false; readonly records: number; readonly seq: number; readonly decisionId: string; readonly problem: string };

/**
 * Walks the chain in order and names the first bad record: an edited record (its hash no longer
 * matches), a deleted or inserted one (the link to its predecessor breaks), a gap in sequence
 * numbers. `expectedPrev` pins where the walk starts (the genesis hash, or the row before).
 */
export function verifyChain(rows: Iterable<ChainRow>, expectedPrev: string | null, expectedFirstSeq: number | null): VerifyResult {
  let prev = expectedPrev;
  let prevSeq = expectedFirstSeq === null ? null : expectedFirstSeq - 1;
  let n = 0;
  let first: string | null = null;
  for (const r of rows) {
    const bad = (problem: string): VerifyResult => ({ ok: false, records: n, seq: r.seq, decisionId: r.decisionId, problem });
    if (prevSeq !== null && r.seq !== prevSeq + 1) return bad(`sequence jumps from ${prevSeq} to ${r.seq}: records were deleted`);
    if (prev !== null && r.prevHash !== prev) return bad('does not link to the record before it: a record was inserted, deleted or reordered');
    if (chainHash(r.prevHash, r.record) !== r.hash) return bad('its content does not match its hash: the record was edited');
    first ??= r.hash;
    prev = r.hash;
    prevSeq = r.seq;
    n++;
  }
  return { ok: true, records: n, firstHash: first, lastHash: prev };
}
