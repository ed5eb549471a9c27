import type { DecisionLogIndex } from './decision-log-index.js';
import type { DecisionLogRow } from './decision-log-row.js';
import type { Db } from './open-database.js';

export interface DecisionSearch {
  /** A principal id (p_…) or the subject identifier as the gateway sent it. */
  readonly subject?: string;
  readonly route?: string;
  readonly decision?: 'allow' | 'deny';
  readonly since?: number;
  readonly until?: number;
  /** Paging: records after this sequence number. */
  readonly after?: number;
  readonly limit: number;
}

export interface ChainAnchor {
  readonly seq: number;
  readonly hash: string;
}

const COLUMNS = 'd.seq, d.decision_id AS decisionId, d.at, d.subject, d.principal_id AS principalId, d.route, d.decision, d.record, d.prev_hash AS prevHash, d.hash';
const PRINCIPAL_ID = /^p_[0-9a-f]{16}$/;

/** Read-side queries over the decision log: search with keyset paging, last decision per principal, the retention anchor. */
export class DecisionLogQueries {
  private readonly anchorStmt;
  private readonly hashStmt;
  private readonly searches = new Map<string, ReturnType<Db['prepare']>>();

  constructor(
    private readonly db: Db,
    private readonly index: DecisionLogIndex,
  ) {
    this.anchorStmt = db.prepare('SELECT seq, hash FROM chain_anchor WHERE id = 1');
    this.hashStmt = db.prepare('SELECT hash FROM decisions WHERE seq = ?').pluck();
  }

  /** Matching records in chain order, `limit` at most, after `after`: by subject or principal through the run index, otherwise over the time and sequence indexes. */
  search(s: DecisionSearch): DecisionLogRow[] {
    const where: string[] = [];
    if (s.route !== undefined) where.push('d.route = @route');
    if (s.decision !== undefined) where.push('d.decision = @decision');
    if (s.since !== undefined) where.push('d.at >= @since');
    if (s.until !== undefined) where.push('d.at <= @until');
    const params: Record<string, unknown> = {};
    for (const k of ['route', 'decision', 'since', 'until'] as const) if (s[k] !== undefined) params[k] = s[k];
    const after = s.after ?? 0;
    if (s.subject !== undefined) {
      const by = PRINCIPAL_ID.test(s.subject) ? 'principal' : 'subject';
      return this.index.find(by, s.subject, after, s.limit, { where: where.join(' AND '), params });
    }
    const sql = `SELECT ${COLUMNS} FROM decisions d WHERE ${['d.seq > @after', ...where].join(' AND ')} ORDER BY d.seq LIMIT @limit`;
    let stmt = this.searches.get(sql);
    if (!stmt) this.searches.set(sql, (stmt = this.db.prepare(sql)));
    return stmt.all({ ...params, after, limit: s.limit }) as DecisionLogRow[];
  }

  hashAt(seq: number): string | null {
    return (this.hashStmt.get(seq) as string | undefined) ?? null;
  }

  /** The time (ms) of each principal's newest record in the log, null when it holds none. */
  lastDecisionsAt(principalIds: readonly string[]): Map<string, number | null> {
    return this.index.lastDecisionsAt(principalIds);
  }

  /** The last record compaction removed: the chain continues from it. */
  anchor(): ChainAnchor | null {
    return (this.anchorStmt.get() as ChainAnchor | undefined) ?? null;
  }

}
