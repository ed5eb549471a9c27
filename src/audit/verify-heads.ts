import type { ChainHead } from './chain-head-sink.js';

export interface RecordedHead extends ChainHead {
  readonly at: string;
}

export type HeadCheck = { readonly ok: true; readonly checked: number } | { readonly ok: false; readonly head: RecordedHead; readonly problem: string };

/** Parses a head file (JSON lines); unreadable lines are an error, not skipped. */
export function parseHeads(text: string): RecordedHead[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const h = JSON.parse(l) as Partial<RecordedHead>;
      if (typeof h.seq !== 'number' || typeof h.hash !== 'string' || typeof h.at !== 'string') throw new Error(`head line ${i + 1} is not {at, seq, hash}`);
      return h as RecordedHead;
    });
}

/**
 * Every recorded head must still be in the log with the same hash: a missing newest record
 * (truncation) or a rewritten one shows here even when the remaining chain is intact. Heads at
 * or before the compaction anchor are checked against the anchor when they coincide, else skipped.
 */
export function verifyHeads(heads: readonly RecordedHead[], hashAt: (seq: number) => string | null, last: number, anchor: ChainHead | null): HeadCheck {
  let checked = 0;
  for (const h of heads) {
    if (anchor && h.seq <= anchor.seq) {
      if (h.seq === anchor.seq && h.hash !== anchor.hash) return { ok: false, head: h, problem: 'the compaction anchor has another hash' };
      continue;
    }
    if (h.seq > last) return { ok: false, head: h, problem: `the log ends at record ${last}: newer records were removed` };
    const hash = hashAt(h.seq);
    if (hash === null) return { ok: false, head: h, problem: 'that record is missing' };
    if (hash !== h.hash) return { ok: false, head: h, problem: 'that record has another hash now' };
    checked++;
  }
  return { ok: true, checked };
}
