import type { GrantPath } from '../model/grant-path.js';
import type { Identifier, IdentifierKind } from '../model/identifier.js';
import type { Principal } from '../model/principal.js';
import type { PrincipalBinding } from '../model/principal-binding.js';
import type { PrincipalStatus } from '../model/principal-status.js';
import type { ResolvedState } from '../resolve/resolved-state.js';
import { normalizeDn, normalizeIdentifier } from '../resolve/normalize-identifier.js';
import type { RoleStateVersion, VersionTrigger } from '../model/role-state-version.js';
import type { Db } from './open-database.js';

export interface HeldRole {
  readonly role: string;
  readonly path: GrantPath;
  /** The version since which this grant row (with this path) holds. */
  readonly since: number;
}

export interface RoleChange {
  readonly principalId: string;
  readonly role: string;
  readonly change: 'gained' | 'lost';
  readonly version: number;
  readonly committedAt: number;
  readonly source: string;
  readonly path: GrantPath;
}

interface VersionRow {
  id: number;
  committed_at: number;
  source: string;
  trigger: VersionTrigger;
  counts: string;
}

const ALIVE = 'from_v <= @v AND (to_v IS NULL OR to_v > @v)';

/** As-of queries over the interval tables; every query names the version it reads. */
export class HistoryQueries {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      latest: db.prepare('SELECT * FROM versions ORDER BY id DESC LIMIT 1'),
      byId: db.prepare('SELECT * FROM versions WHERE id = ?'),
      atTime: db.prepare('SELECT * FROM versions WHERE committed_at <= ? ORDER BY committed_at DESC, id DESC LIMIT 1'),
      aliases: db.prepare(`SELECT DISTINCT kind, value, principal_id AS principalId FROM aliases WHERE value IN (@a, @b, @c) AND ${ALIVE}`),
      principal: db.prepare(`SELECT data FROM principals WHERE id = @id AND ${ALIVE}`),
      // Newest first: a principal's rows never overlap in time, so the one alive at v is the newest
      // from_v <= v. Oldest first, a principal with a long history had all of it read before that one.
      binding: db.prepare(`SELECT json_extract(data, '$.status'), json_extract(data, '$.identifiers') FROM principals INDEXED BY principals_key WHERE id = @id AND ${ALIVE} ORDER BY from_v DESC LIMIT 1`).raw(),
      bindingsAt: db.prepare(`SELECT id, json_extract(data, '$.status'), json_extract(data, '$.identifiers') FROM principals INDEXED BY principals_key WHERE ${ALIVE} ORDER BY id`).raw(),
      roles: db.prepare(`SELECT role, path_id AS path, from_v AS since FROM grants NOT INDEXED WHERE principal_id = @id AND ${ALIVE} ORDER BY role`),
      members: db
        .prepare(
          `SELECT principal_id, path_id, from_v FROM grants INDEXED BY grants_by_role
           WHERE role = @role AND from_v <= @v AND (to_v IS NULL OR to_v > @v)`,
        )
        .raw(),
      holders: db.prepare(`SELECT principal_id, path_id FROM grants INDEXED BY grants_by_role WHERE role = @role AND ${ALIVE}`).raw(),
      path: db.prepare('SELECT json FROM grant_paths WHERE id = ?').pluck(),
      changed: db.prepare(
        `SELECT principal_id AS principalId, role, path_id AS path, from_v AS fromV, to_v AS toV FROM grants
         WHERE (from_v > @a AND from_v <= @b) OR (to_v > @a AND to_v <= @b)`,
      ),
      versionsBetween: db.prepare('SELECT * FROM versions WHERE id > ? AND id <= ?'),
      touchedPage: db.prepare('SELECT principal_id FROM version_principals WHERE version = ? AND principal_id > ? ORDER BY principal_id LIMIT ?').pluck(),
      principalsAt: db.prepare(`SELECT data FROM principals INDEXED BY principals_key WHERE ${ALIVE} ORDER BY id`),
      grantsAt: db.prepare(`SELECT principal_id AS principalId, role, path_id AS path FROM grants NOT INDEXED WHERE ${ALIVE} ORDER BY principal_id`),
    };
  }

  /** Grant paths by id, parsed once; paths are immutable, so the cache never goes stale. */
  private readonly paths = new Map<number, GrantPath>();
  pathOf(id: number): GrantPath {
    let p = this.paths.get(id);
    if (!p) this.paths.set(id, (p = JSON.parse(this.q.path.get(id) as string) as GrantPath));
    return p;
  }

  latestVersion(): RoleStateVersion | null {
    return toVersion(this.q.latest.get() as VersionRow | undefined);
  }

  version(id: number): RoleStateVersion | null {
    return toVersion(this.q.byId.get(id) as VersionRow | undefined);
  }

  /** The version in force at `time` (ms): the last one committed at or before it. */
  versionAt(time: number): RoleStateVersion | null {
    return toVersion(this.q.atTime.get(time) as VersionRow | undefined);
  }

  /**
   * Principals that carried `identifier` at version `v` (as typed, or lower-cased for the
   * case-insensitive kinds). More than one means the identifier is ambiguous.
   */
  principalsForIdentifier(identifier: string, v: number): { kind: string; value: string; principalId: string }[] {
    const raw = identifier.trim();
    return this.q.aliases.all({ a: raw, b: raw.toLowerCase(), c: normalizeDn(raw), v }) as { kind: string; value: string; principalId: string }[];
  }

  /**
   * The principals a subject identifier named at version v: a principal id (p_…), or any alias
   * compared the way its kind compares (case-insensitively for email, UPN, DN, uid...).
   */
  principalsForSubject(subject: string, v: number): string[] {
    const raw = subject.trim();
    if (/^p_[0-9a-f]{16}$/.test(raw)) return this.principalData(raw, v) !== null ? [raw] : [];
    const found = new Set<string>();
    for (const row of this.principalsForIdentifier(raw, v)) {
      const kind = row.kind as IdentifierKind;
      if (row.value === normalizeIdentifier(kind, raw)) found.add(row.principalId);
    }
    return [...found].sort();
  }

  principalData(id: string, v: number): string | null {
    return (this.q.principal.get({ id, v }) as { data: string } | undefined)?.data ?? null;
  }

  /**
   * A principal's status and identifiers at version v, extracted by SQLite: the decision index
   * follows thousands of principals per large version, and parsing whole principal documents
   * (accounts, attributes) in JavaScript made garbage whose collection stalled requests.
   */
  bindingAt(id: string, v: number): PrincipalBinding | null {
    const row = this.q.binding.get({ id, v }) as [PrincipalStatus, string] | undefined;
    return row ? { id, status: row[0], identifiers: JSON.parse(row[1]) as Identifier[] } : null;
  }

  /** Every principal's binding at version v, in id order (see bindingAt). */
  *bindingsAt(v: number): Generator<PrincipalBinding> {
    for (const [id, status, identifiers] of this.q.bindingsAt.iterate({ v }) as Iterable<[string, PrincipalStatus, string]>) {
      yield { id, status, identifiers: JSON.parse(identifiers) as Identifier[] };
    }
  }

  rolesAt(principalId: string, v: number): HeldRole[] {
    return (this.q.roles.all({ id: principalId, v }) as { role: string; path: number; since: number }[]).map((r) => ({
      role: r.role,
      path: this.pathOf(r.path),
      since: r.since,
    }));
  }

  /** Holders of a role at version v, by principal id; served from the covering role index. */
  membersAt(role: string, v: number): { principalId: string; path: GrantPath; since: number }[] {
    const rows = this.q.members.all({ role, v }) as [string, number, number][];
    const out = rows.map(([principalId, path, since]) => ({ principalId, path: this.pathOf(path), since }));
    return out.sort((a, b) => (a.principalId < b.principalId ? -1 : a.principalId > b.principalId ? 1 : 0));
  }

  /** membersAt() as bare rows (principal id, grant path id for pathOf()), unsorted: 100k holders cost 100k objects less. */
  holderRowsAt(role: string, v: number): [principalId: string, pathId: number][] {
    return this.q.holders.all({ role, v }) as [string, number][];
  }

  /**
   * One page of the principals version v touched, in id order after `afterId` (keyset paging
   * on the table's key): a follower reads a 20k-principal version in short steps, not one 10 ms query.
   */
  principalsTouchedPage(v: number, afterId: string, limit: number): string[] {
    return this.q.touchedPage.all(v, afterId, limit) as string[];
  }

  /** Streams the principals valid at version v in id order (parsed one at a time, so nothing big is held). */
  *principalsAt(v: number): Generator<Principal> {
    for (const r of this.q.principalsAt.iterate({ v }) as Iterable<{ data: string }>) yield JSON.parse(r.data) as Principal;
  }

  /** Streams the grants valid at version v in principal id order. */
  *grantsAt(v: number): Generator<{ principalId: string; role: string; path: GrantPath }> {
    for (const r of this.q.grantsAt.iterate({ v }) as Iterable<{ principalId: string; role: string; path: number }>) {
      yield { principalId: r.principalId, role: r.role, path: this.pathOf(r.path) };
    }
  }

  /** The resolved state at version v (principals and grants), for decisions "as of" a past time. */
  stateAt(v: number): ResolvedState {
    const principals = new Map<string, Principal>();
    for (const p of this.principalsAt(v)) principals.set(p.id, p);
    const grants = new Map<string, Map<string, GrantPath>>();
    for (const g of this.grantsAt(v)) {
      let m = grants.get(g.principalId);
      if (!m) grants.set(g.principalId, (m = new Map()));
      m.set(g.role, g.path);
    }
    const principalOfAccount = new Map<string, string>();
    for (const p of principals.values()) for (const a of p.accounts) principalOfAccount.set(`${a.source}\u0000${a.externalId}`, p.id);
    return { principals, grants, principalOfAccount, conflicts: [] };
  }

  /**
   * Net role changes between versions a (exclusive) and b (inclusive): a principal that gained
   * and lost a role again inside the window shows no change; a changed path is not a change.
   */
  changesBetween(a: number, b: number): RoleChange[] {
    const versions = new Map<number, VersionRow>();
    for (const v of this.q.versionsBetween.all(a, b) as VersionRow[]) versions.set(v.id, v);
    type Row = { principalId: string; role: string; path: number; fromV: number; toV: number | null };
    const byPair = new Map<string, Row[]>();
    for (const r of this.q.changed.all({ a, b }) as Row[]) {
      const k = `${r.principalId}\u0000${r.role}`;
      const list = byPair.get(k);
      if (list) list.push(r);
      else byPair.set(k, [r]);
    }
    const alive = (r: Row, v: number): boolean => r.fromV <= v && (r.toV === null || r.toV > v);
    const out: RoleChange[] = [];
    for (const rows of byPair.values()) {
      const before = rows.find((r) => alive(r, a));
      const after = rows.find((r) => alive(r, b));
      // A pair held on both sides (perhaps by another path) or on neither is no net change.
      if ((before !== undefined) === (after !== undefined)) continue;
      const row = (after ?? before)!;
      const at = after ? after.fromV : before!.toV!;
      const v = versions.get(at);
      out.push({
        principalId: row.principalId,
        role: row.role,
        change: after ? 'gained' : 'lost',
        version: at,
        committedAt: v?.committed_at ?? 0,
        source: v?.source ?? '',
        path: this.pathOf(row.path),
      });
    }
    return out.sort((x, y) => x.version - y.version || cmp(x.principalId, y.principalId) || cmp(x.role, y.role));
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function toVersion(row: VersionRow | undefined): RoleStateVersion | null {
  if (!row) return null;
  return {
    id: row.id,
    committedAt: row.committed_at,
    source: row.source,
    trigger: row.trigger,
    counts: JSON.parse(row.counts) as RoleStateVersion['counts'],
  };
}
