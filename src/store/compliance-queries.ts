import type { GrantPath } from '../model/grant-path.js';
import { normalizeDn } from '../resolve/normalize-identifier.js';
import type { HistoryQueries } from './history-queries.js';
import type { Db } from './open-database.js';

/** One row of a principal's grant history: held [fromV, toV) with this path. */
export interface GrantInterval {
  readonly role: string;
  readonly path: GrantPath;
  readonly fromV: number;
  readonly toV: number | null;
}

export interface PrincipalSummary {
  readonly status: string;
  readonly displayName: string;
}

export interface RetentionFloor {
  readonly floorVersion: number;
  readonly floorTime: number;
}

const ALIVE = 'from_v <= @v AND (to_v IS NULL OR to_v > @v)';

/**
 * The history reads compliance needs beyond as-of snapshots: whole interval histories of one
 * principal, who ever carried an identifier, and the retention floor. Each is one index seek.
 */
export class ComplianceQueries {
  private readonly q;

  /** `history` resolves grant paths (one cache of them per store). */
  constructor(
    db: Db,
    private readonly history: HistoryQueries,
  ) {
    this.q = {
      intervals: db.prepare('SELECT role, path_id AS path, from_v AS fromV, to_v AS toV FROM grants NOT INDEXED WHERE principal_id = ? ORDER BY role, from_v'),
      // NOT INDEXED: the primary key (the table itself), never a scan of the role's whole column of grants_by_role.
      roleIntervals: db.prepare('SELECT from_v AS fromV, to_v AS toV FROM grants NOT INDEXED WHERE principal_id = ? AND role = ? ORDER BY from_v DESC').raw(),
      everNamed: db.prepare('SELECT DISTINCT principal_id FROM aliases WHERE value IN (@a, @b, @c, @d, @e)').pluck(),
      namedAt: db.prepare(`SELECT DISTINCT principal_id FROM aliases WHERE value IN (@a, @b, @c, @d, @e) AND ${ALIVE}`).pluck(),
      everExisted: db.prepare('SELECT 1 FROM principals WHERE id = ? LIMIT 1').pluck(),
      summary: db.prepare(`SELECT json_extract(data, '$.status') AS status, json_extract(data, '$.displayName') AS displayName FROM principals WHERE id = @id AND ${ALIVE}`),
      summaries: db.prepare(`SELECT id, json_extract(data, '$.status'), json_extract(data, '$.displayName') FROM principals WHERE ${ALIVE}`).raw(),
      floor: db.prepare('SELECT floor_version AS floorVersion, floor_time AS floorTime FROM retention_floor WHERE id = 1'),
    };
  }

  /** Every grant row the principal ever had, by role then start. */
  grantIntervals(principalId: string): GrantInterval[] {
    return (this.q.intervals.all(principalId) as { role: string; path: number; fromV: number; toV: number | null }[]).map((r) => ({ ...r, path: this.history.pathOf(r.path) }));
  }

  /**
   * Since when the principal has held `role` without a break as of version v: consecutive rows
   * (a changed grant path ends one row where the next begins) count as one holding.
   */
  heldSince(principalId: string, role: string, v: number): number | null {
    let since: number | null = null;
    for (const [fromV, toV] of this.q.roleIntervals.iterate(principalId, role) as Iterable<[number, number | null]>) {
      if (fromV > v) continue;
      if (since === null) {
        if (toV !== null && toV <= v) return null;
        since = fromV;
      } else if (toV === since) since = fromV;
      else break;
    }
    return since;
  }

  /** The probe keys a subject identifier can match (as typed, lower-cased, as a DN, as issuer|sub). */
  private keys(subject: string, issuer: string | undefined): Record<'a' | 'b' | 'c' | 'd' | 'e', string> {
    const raw = subject.trim();
    const lower = raw.toLowerCase();
    return { a: raw, b: lower, c: normalizeDn(raw), d: normalizeDn(lower), e: issuer === undefined ? raw : `${issuer}|${raw}` };
  }

  /** Every principal that carried the identifier at any version (a principal id names itself). */
  principalsEverNamed(subject: string, issuer?: string): string[] {
    const found = new Set(this.q.everNamed.all(this.keys(subject, issuer)) as string[]);
    if (/^p_[0-9a-f]{16}$/.test(subject.trim()) && this.q.everExisted.get(subject.trim())) found.add(subject.trim());
    return [...found].sort();
  }

  /** Principals that carried any key the subject could bind through at version v (a superset). */
  principalsNamedAt(subject: string, issuer: string | undefined, v: number): string[] {
    return (this.q.namedAt.all({ ...this.keys(subject, issuer), v }) as string[]).sort();
  }

  summaryAt(principalId: string, v: number): PrincipalSummary | null {
    return (this.q.summary.get({ id: principalId, v }) as PrincipalSummary | undefined) ?? null;
  }

  /**
   * Every principal's id, status and name at version v, in one pass (cheaper than many seeks past
   * a few thousand), streamed: 100k rows never live at once.
   */
  summaryRowsAt(v: number): IterableIterator<[id: string, status: string, displayName: string | null]> {
    return this.q.summaries.iterate({ v }) as IterableIterator<[string, string, string | null]>;
  }

  /** Where compaction cut history (null: nothing was ever removed). */
  retentionFloor(): RetentionFloor | null {
    return (this.q.floor.get() as RetentionFloor | undefined) ?? null;
  }
}
