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

const COLUMNS = 'seq, decision_id AS decisionId, at, subject, principal_id AS principalId, route, decision, record, prev_hash AS prevHash, hash';

/** Read-side queries over the decision log: search with keyset paging, last decision per principal, the retention anchor. */
export class DecisionLogQueries {
  private readonly lastAt;
  private readonly anchorStmt;
  private readonly hashStmt;
  private readonly searches = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db) {
    this.lastAt = db.prepare('SELECT max(at) FROM decisions WHERE principal_id = ?').pluck();
    this.anchorStmt = db.prepare('SELECT seq, hash FROM chain_anchor WHERE id = 1');
    this.hashStmt = db.prepare('SELECT hash FROM decisions WHERE seq = ?').pluck();
  }

  /** Matching records in chain order, `limit` at most, after `after`; the filters use the log's indexes. */
  search(s: DecisionSearch): DecisionLogRow[] {
    const where: string[] = ['seq > @after'];
    if (s.subject !== undefined) where.push(/^p_[0-9a-f]{16}$/.test(s.subject) ? 'principal_id = @subject' : 'subject = @subject');
    if (s.route !== undefined) where.push('route = @route');
    if (s.decision !== undefined) where.push('decision = @decision');
    if (s.since !== undefined) where.push('at >= @since');
    if (s.until !== undefined) where.push('at <= @until');
    const sql = `SELECT ${COLUMNS} FROM decisions WHERE ${where.join(' AND ')} ORDER BY seq LIMIT @limit`;
    let stmt = this.searches.get(sql);
    if (!stmt) this.searches.set(sql, (stmt = this.db.prepare(sql)));
    const params: Record<string, unknown> = { after: s.after ?? 0, limit: s.limit };
    for (const k of ['subject', 'route', 'decision', 'since', 'until'] as const) if (s[k] !== undefined) params[k] = s[k];
    return stmt.all(params) as DecisionLogRow[];
  }

  hashAt(seq: number): string | null {
    return (this.hashStmt.get(seq) as string | undefined) ?? null;
  }

  lastDecisionAt(principalId: string): number | null {
    return (this.lastAt.get(principalId) as number | null) ?? null;
  }

  /** The last record compaction removed: the chain continues from it. */
  anchor(): ChainAnchor | null {
    return (this.anchorStmt.get() as ChainAnchor | undefined) ?? null;
  }

}
