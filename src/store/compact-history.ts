import type { Db } from './open-database.js';

const INTERVAL_TABLES = ['accounts', 'groups', 'memberships', 'principals', 'links', 'aliases', 'grants'] as const;

export interface HistoryCompaction {
  readonly floorVersion: number;
  readonly removed: Readonly<Record<string, number>>;
}

/**
 * Removes history that no as-of query at or after `floorTime` can need: interval rows that ended
 * at or before the floor version (the version in force at floorTime), older version rows, and
 * policy activations and decision settings superseded before the floor version's commit. Rows
 * still valid at the floor are kept whole, so every query inside the window reads exactly what it
 * read before. One transaction.
 */
export function compactHistory(db: Db, floorTime: number, at: number): HistoryCompaction | null {
  const floor = db.prepare('SELECT id FROM versions WHERE committed_at <= ? ORDER BY committed_at DESC, id DESC LIMIT 1').pluck().get(floorTime) as number | undefined;
  if (floor === undefined) return null;
  const removed: Record<string, number> = {};
  db.transaction(() => {
    for (const t of INTERVAL_TABLES) removed[t] = db.prepare(`DELETE FROM ${t} WHERE to_v IS NOT NULL AND to_v <= ?`).run(floor).changes;
    removed.grant_paths = db.prepare('DELETE FROM grant_paths WHERE id NOT IN (SELECT path_id FROM grants)').run().changes;
    removed.version_principals = db.prepare('DELETE FROM version_principals WHERE version < ?').run(floor).changes;
    removed.versions = db.prepare('DELETE FROM versions WHERE id < ?').run(floor).changes;
    // Queries accepted after this (a time at or after floorTime, a version at or after the floor,
    // asked at its commit time) start at the floor version's commit: keep what was in force then.
    const from = db.prepare('SELECT committed_at FROM versions WHERE id = ?').pluck().get(floor) as number;
    // Activations superseded by then: those before the one in force, in (time, id) order.
    const supersededBy = (table: string): number =>
      db
        .prepare(
          `DELETE FROM ${table} WHERE (activated_at, id) < (SELECT activated_at, id FROM ${table} WHERE activated_at <= ? ORDER BY activated_at DESC, id DESC LIMIT 1)`,
        )
        .run(from).changes;
    removed.policy_activations = supersededBy('policy_activations');
    removed.policy_versions = db.prepare('DELETE FROM policy_versions WHERE hash NOT IN (SELECT hash FROM policy_activations)').run().changes;
    removed.decision_settings = supersededBy('decision_settings');
    db.prepare(
      `INSERT INTO retention_floor (id, floor_version, floor_time, compacted_at) VALUES (1, @floor, @floorTime, @at)
       ON CONFLICT (id) DO UPDATE SET floor_version = max(floor_version, excluded.floor_version), floor_time = max(floor_time, excluded.floor_time), compacted_at = excluded.compacted_at`,
    ).run({ floor, floorTime, at });
  }).immediate();
  return { floorVersion: floor, removed };
}
