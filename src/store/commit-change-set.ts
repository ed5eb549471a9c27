import type { ChangeSet } from '../model/change-set.js';
import type { ChangeCounts, RoleStateVersion } from '../model/role-state-version.js';
import type { Db } from './open-database.js';
import { TABLE_SPECS, type TableSpec } from './table-specs.js';

type Row = Record<string, unknown>;

const BULK = 64;
const SORT_THRESHOLD = 5000;
type Statement = { run(...params: unknown[]): unknown };

/** Compiled statements for writing change sets; prepared once per store. */
export class ChangeSetWriter {
  private readonly end = new Map<string, Statement>();
  private readonly start = new Map<string, Statement>();
  /** Multi-row INSERTs: one statement call per BULK rows cuts per-call overhead for big applies. */
  private readonly startBulk = new Map<string, Statement>();
  private readonly insertVersion: Statement;
  private readonly pathIds = new Map<string, number>();
  private readonly insertPath;
  private readonly insertTouched: Statement;
  private readonly lastTime;

  constructor(private readonly db: Db) {
    for (const spec of TABLE_SPECS) {
      const where = spec.key.map(([c]) => `${c} = ?`).join(' AND ');
      this.end.set(spec.table, db.prepare(`UPDATE ${spec.table} INDEXED BY ${spec.keyIndex} SET to_v = ? WHERE ${where} AND to_v IS NULL`));
      const cols = [...spec.key, ...spec.data].map(([c]) => c);
      const tuple = `(${cols.map(() => '?').join(', ')}, ?)`;
      const insert = `INSERT INTO ${spec.table} (${cols.join(', ')}, from_v) VALUES `;
      this.start.set(spec.table, db.prepare(insert + tuple));
      this.startBulk.set(spec.table, db.prepare(insert + Array(BULK).fill(tuple).join(', ')));
    }
    for (const r of db.prepare('SELECT id, json FROM grant_paths').all() as { id: number; json: string }[]) this.pathIds.set(r.json, r.id);
    this.insertPath = db.prepare('INSERT INTO grant_paths (json) VALUES (?)');
    this.insertTouched = db.prepare('INSERT INTO version_principals (version, principal_id) VALUES (?, ?)');
    this.insertVersion = db.prepare('INSERT INTO versions (id, committed_at, source, trigger, counts) VALUES (?, ?, ?, ?, ?)');
    this.lastTime = db.prepare('SELECT id, committed_at FROM versions ORDER BY id DESC LIMIT 1');
  }

  /** Writes one version; the caller runs this inside the transaction that also stores the cursor. */
  write(changes: ChangeSet): RoleStateVersion {
    try {
      return this.writeVersion(changes);
    } catch (err) {
      // The transaction rolls back: forget path ids it may have created.
      this.pathIds.clear();
      for (const r of this.db.prepare('SELECT id, json FROM grant_paths').all() as { id: number; json: string }[]) this.pathIds.set(r.json, r.id);
      throw err;
    }
  }

  private writeVersion(changes: ChangeSet): RoleStateVersion {
    const last = this.lastTime.get() as { id: number; committed_at: number } | undefined;
    const id = (last?.id ?? 0) + 1;
    // Commit times never go backwards, so "the version in force at T" is well defined.
    const committedAt = Math.max(changes.committedAt, last?.committed_at ?? 0);
    const counts: Record<string, number> = {};
    for (const spec of TABLE_SPECS) counts[spec.section] = this.writeSection(spec, changes, id);
    const version: RoleStateVersion = {
      id,
      committedAt,
      source: changes.source,
      trigger: changes.trigger,
      counts: counts as unknown as ChangeCounts,
    };
    this.insertVersion.run(id, committedAt, changes.source, changes.trigger, JSON.stringify(counts));
    const touched = new Set<string>();
    for (const r of changes.principals.ended) touched.add(r.id);
    for (const r of changes.principals.started) touched.add(r.id);
    for (const section of [changes.aliases, changes.grants]) {
      for (const r of section.ended) touched.add(r.principalId);
      for (const r of section.started) touched.add(r.principalId);
    }
    for (const pid of [...touched].sort()) this.insertTouched.run(id, pid);
    return version;
  }

  private pathId(json: string): number {
    let id = this.pathIds.get(json);
    if (id === undefined) {
      id = Number((this.insertPath.run(json) as { lastInsertRowid: number | bigint }).lastInsertRowid);
      this.pathIds.set(json, id);
    }
    return id;
  }

  /** Ends then starts rows; returns the number of distinct keys touched. */
  private writeSection(spec: TableSpec, changes: ChangeSet, version: number): number {
    const section = changes[spec.section] as { ended: readonly Row[]; started: readonly Row[] };
    const end = this.end.get(spec.table)!;
    const start = this.start.get(spec.table)!;
    for (const row of section.ended) end.run(version, ...spec.key.map(([, p]) => row[p]));
    const props = [...spec.key, ...spec.data].map(([, p]) => p);
    const value = spec.table === 'grants' ? (row: Row, p: string): unknown => (p === 'path' ? this.pathId(row[p] as string) : row[p]) : (row: Row, p: string): unknown => row[p];
    const bulk = this.startBulk.get(spec.table)!;
    const sortBy = spec.sortBy;
    const rows =
      sortBy && section.started.length > SORT_THRESHOLD
        ? [...section.started].sort((x, y) => (String(x[sortBy]) < String(y[sortBy]) ? -1 : String(x[sortBy]) > String(y[sortBy]) ? 1 : 0))
        : section.started;
    let i = 0;
    for (; i + BULK <= rows.length; i += BULK) {
      const params: unknown[] = [];
      for (let k = i; k < i + BULK; k++) {
        const row = rows[k]!;
        for (const p of props) params.push(value(row, p));
        params.push(version);
      }
      bulk.run(params);
    }
    for (; i < rows.length; i++) start.run(...props.map((p) => value(rows[i]!, p)), version);
    if (section.ended.length === 0 || section.started.length === 0) return section.ended.length + section.started.length;
    // An update ends and restarts one key: count it once.
    const keyOf = (r: Row): string => spec.key.map(([, p]) => String(r[p])).join('\u0000');
    const ended = new Set(section.ended.map(keyOf));
    return ended.size + section.started.filter((r) => !ended.has(keyOf(r))).length;
  }
}
