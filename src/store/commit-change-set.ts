import type { ChangeSet, Rows } from '../model/change-set.js';
import type { ChangeCounts, RoleStateVersion } from '../model/role-state-version.js';
import type { Db } from './open-database.js';
import { withDeferredIndexes } from './deferred-indexes.js';
import { TABLE_SPECS, type TableSpec } from './table-specs.js';

type Row = Record<string, unknown>;

/** Rows per multi-row INSERT: one statement call per BULK rows cuts per-call overhead for big applies. */
const BULK = 128;
/** Above this many new rows, a table with `orderBy` gets them through its sorted stage. */
const STAGE_THRESHOLD = 5000;
type Statement = { run(...params: unknown[]): unknown };

/** The statements and column order for one history table. */
interface SectionWriter {
  readonly spec: TableSpec;
  readonly end: Statement;
  readonly start: Statement;
  readonly startBulk: Statement;
  /** For tables written in key order: a temp table the rows are staged in, and SQLite's sort of it into the table. */
  readonly staged: { readonly start: Statement; readonly startBulk: Statement; readonly move: Statement; readonly clear: Statement } | null;
  /** Change-set properties in column order (key, then data). */
  readonly props: readonly string[];
  /** The position of the grant path among `props` (stored as a grant_paths id), or -1. */
  readonly pathAt: number;
}

/** Compiled statements for writing change sets; prepared once per store. */
export class ChangeSetWriter {
  private readonly sections: SectionWriter[] = [];
  private readonly insertVersion: Statement;
  private readonly pathIds = new Map<string, number>();
  /** Set by rolledBack(): the ids are re-read before they are used again. */
  private pathIdsStale = false;
  private readonly insertPath;
  private readonly insertTouched: Statement;
  private readonly insertTouchedBulk: Statement;
  private readonly lastTime;

  constructor(private readonly db: Db) {
    for (const spec of TABLE_SPECS) {
      const where = spec.key.map(([c]) => `${c} = ?`).join(' AND ');
      // WITHOUT ROWID tables are their key index: NOT INDEXED keeps the planner on it (grants
      // also have grants_by_role, which a `role = ?` term could tempt it into).
      const indexedBy = spec.keyIndex ? ` INDEXED BY ${spec.keyIndex}` : ' NOT INDEXED';
      const cols = [...spec.key, ...spec.data].map(([c]) => c);
      const tuple = `(${cols.map(() => '?').join(', ')}, ?)`;
      const insert = `INSERT INTO ${spec.table} (${cols.join(', ')}, from_v) VALUES `;
      const props = [...spec.key, ...spec.data].map(([, p]) => p);
      let staged: SectionWriter['staged'] = null;
      if (spec.orderBy) {
        // Created once, outside any transaction, so a rolled-back commit cannot take it away.
        const stage = `staged_${spec.table}`;
        db.exec(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (${cols.join(', ')}, from_v)`);
        const stageInsert = `INSERT INTO temp.${stage} (${cols.join(', ')}, from_v) VALUES `;
        staged = {
          start: db.prepare(stageInsert + tuple),
          startBulk: db.prepare(stageInsert + Array(BULK).fill(tuple).join(', ')),
          move: db.prepare(`INSERT INTO ${spec.table} (${cols.join(', ')}, from_v) SELECT ${cols.join(', ')}, from_v FROM temp.${stage} ORDER BY ${spec.orderBy}, from_v`),
          clear: db.prepare(`DELETE FROM temp.${stage}`),
        };
      }
      this.sections.push({
        spec,
        end: db.prepare(`UPDATE ${spec.table}${indexedBy} SET to_v = ? WHERE ${where} AND to_v IS NULL`),
        start: db.prepare(insert + tuple),
        startBulk: db.prepare(insert + Array(BULK).fill(tuple).join(', ')),
        staged,
        props,
        pathAt: spec.table === 'grants' ? props.indexOf('path') : -1,
      });
    }
    this.reloadPathIds();
    this.insertPath = db.prepare('INSERT INTO grant_paths (json) VALUES (?)');
    const touched = 'INSERT INTO version_principals (version, principal_id) VALUES ';
    this.insertTouched = db.prepare(touched + '(?, ?)');
    this.insertTouchedBulk = db.prepare(touched + Array(BULK).fill('(?, ?)').join(', '));
    this.insertVersion = db.prepare('INSERT INTO versions (id, committed_at, source, trigger, counts) VALUES (?, ?, ?, ?, ?)');
    this.lastTime = db.prepare('SELECT id, committed_at FROM versions ORDER BY id DESC LIMIT 1');
  }

  /**
   * Writes one version; the caller runs this inside the transaction that also stores the cursor,
   * and calls rolledBack() if that transaction rolls back, whatever failed in it.
   */
  write(changes: ChangeSet): RoleStateVersion {
    if (this.pathIdsStale) {
      // In this transaction, which sees only committed paths.
      this.reloadPathIds();
      this.pathIdsStale = false;
    }
    return this.writeVersion(changes);
  }

  /**
   * The transaction around write() rolled back: the grant paths it inserted are gone, and SQLite
   * hands their rowids to the next new paths, so their cached ids must not be used again (a retry
   * would store grants with another grant's path). The ids are re-read by the next write, inside
   * its own transaction: re-read inside the failed one, they would still include its paths.
   */
  rolledBack(): void {
    this.pathIdsStale = true;
  }

  /** Re-reads the grant path ids (see rolledBack(), or after a compaction that removed unused paths). */
  reloadPathIds(): void {
    this.pathIds.clear();
    for (const r of this.db.prepare('SELECT id, json FROM grant_paths').all() as { id: number; json: string }[]) this.pathIds.set(r.json, r.id);
  }

  private writeVersion(changes: ChangeSet): RoleStateVersion {
    const last = this.lastTime.get() as { id: number; committed_at: number } | undefined;
    const id = (last?.id ?? 0) + 1;
    // Commit times never go backwards, so "the version in force at T" is well defined.
    const committedAt = Math.max(changes.committedAt, last?.committed_at ?? 0);
    const counts: Record<string, number> = {};
    // The principals this version touches, gathered while their rows are written (rows may be made as they are read: read once).
    const touched = new Set<string>();
    for (const w of this.sections) counts[w.spec.section] = this.writeSection(w, changes, id, touched);
    const version: RoleStateVersion = {
      id,
      committedAt,
      source: changes.source,
      trigger: changes.trigger,
      counts: counts as unknown as ChangeCounts,
    };
    this.insertVersion.run(id, committedAt, changes.source, changes.trigger, JSON.stringify(counts));
    this.writeTouched(id, [...touched].sort());
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

  private writeTouched(version: number, ids: readonly string[]): void {
    let i = 0;
    for (; i + BULK <= ids.length; i += BULK) {
      const params: unknown[] = [];
      for (let k = i; k < i + BULK; k++) params.push(version, ids[k]);
      this.insertTouchedBulk.run(params);
    }
    for (; i < ids.length; i++) this.insertTouched.run(version, ids[i]);
  }

  /**
   * Ends then starts rows; returns the number of distinct keys touched, and adds the principals
   * the rows belong to (principal-keyed sections) to `touched`. Each section is read once.
   */
  private writeSection(w: SectionWriter, changes: ChangeSet, version: number, touched: Set<string>): number {
    const { spec, props, pathAt } = w;
    const section = changes[spec.section] as { ended: Rows<Row>; started: Rows<Row> };
    const principalOf = spec.principal;
    // An update ends and restarts one key: counted once.
    const keyOf = (r: Row): string => spec.key.map(([, p]) => String(r[p])).join('\u0000');
    const ended = new Set<string>();
    for (const row of section.ended) {
      w.end.run(version, ...spec.key.map(([, p]) => row[p]));
      if (section.started.length) ended.add(keyOf(row));
      if (principalOf) touched.add(row[principalOf] as string);
    }
    let restarted = 0;
    const width = props.length;
    // Reused for every statement call: better-sqlite3 copies the bound values.
    const params: unknown[] = new Array((width + 1) * BULK);
    const insert = (into: { readonly start: Statement; readonly startBulk: Statement }): void => {
      let k = 0;
      for (const row of section.started) {
        const at = k * (width + 1);
        for (let c = 0; c < width; c++) {
          const v = row[props[c]!];
          params[at + c] = c === pathAt ? this.pathId(v as string) : v;
        }
        params[at + width] = version;
        if (principalOf) touched.add(row[principalOf] as string);
        if (ended.size && ended.has(keyOf(row))) restarted++;
        if (++k < BULK) continue;
        into.startBulk.run(params);
        k = 0;
      }
      for (let i = 0; i < k; i++) into.start.run(params.slice(i * (width + 1), (i + 1) * (width + 1)));
    };
    const rows = section.started.length;
    withDeferredIndexes(this.db, spec.table, rows, () => {
      if (!w.staged || rows <= STAGE_THRESHOLD) {
        insert(w);
        return;
      }
      // Rows that arrive in an order unrelated to the table's key are sorted by SQLite (in C,
      // off the JS heap) and appended in key order: ~0.4 s less than a JS sort of 500k aliases.
      insert(w.staged);
      w.staged.move.run();
      w.staged.clear.run();
    });
    return (section.started.length ? ended.size : section.ended.length) + rows - restarted;
  }
}
