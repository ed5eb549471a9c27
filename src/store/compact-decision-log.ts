import type { DecisionLogIndex } from './decision-log-index.js';
import type { Db } from './open-database.js';

const CHUNK = 50_000;

/**
 * Removes decision records older than `cutoff` (ms), oldest first, in chunks of CHUNK, at most
 * `maxChunks` of them (`more` tells whether old records remain). Each chunk's transaction also
 * moves the chain anchor to the last record it removed, so the kept log still verifies from its
 * first record and a crash mid-way leaves a consistent prefix removed. The newest record is always
 * kept: new records chain from it and their sequence numbers continue from it. The subject and
 * principal index drops the removed records' entries in the same transaction.
 */
export function compactDecisionLog(db: Db, index: DecisionLogIndex, cutoff: number, at: number, maxChunks = Number.POSITIVE_INFINITY): { removed: number; more: boolean } {
  const newest = db.prepare('SELECT max(seq) FROM decisions').pluck().get() as number | null;
  if (newest === null) return { removed: 0, more: false };
  const firstKept = db.prepare('SELECT min(seq) FROM decisions WHERE at >= ?').pluck().get(cutoff) as number | null;
  const end = Math.min(firstKept ?? newest, newest);
  const oldest = db.prepare('SELECT min(seq) FROM decisions').pluck();
  const lastOfChunk = db.prepare('SELECT seq, hash FROM decisions WHERE seq < ? ORDER BY seq DESC LIMIT 1');
  const del = db.prepare('DELETE FROM decisions WHERE seq <= ?');
  const anchor = db.prepare(
    `INSERT INTO chain_anchor (id, seq, hash, compacted_at) VALUES (1, @seq, @hash, @at)
     ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, compacted_at = excluded.compacted_at`,
  );
  let removed = 0;
  for (let chunks = 0; ; chunks++) {
    const start = oldest.get() as number | null;
    if (start === null || start >= end) return { removed, more: false };
    if (chunks >= maxChunks) return { removed, more: true };
    const chunkEnd = Math.min(end, start + CHUNK);
    db.transaction(() => {
      const last = lastOfChunk.get(chunkEnd) as { seq: number; hash: string };
      removed += del.run(last.seq).changes;
      index.forget(last.seq);
      anchor.run({ seq: last.seq, hash: last.hash, at });
    }).immediate();
  }
}
