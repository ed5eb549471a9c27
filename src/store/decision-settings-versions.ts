import type { DecisionSettings } from '../model/decision-settings.js';
import type { Db } from './open-database.js';

/** Stored form: sorted [name, value] pairs, so equal settings are equal text. */
const toText = (s: DecisionSettings): string => JSON.stringify({ ranks: [...s.ranks].sort(byName), maxStaleness: [...s.maxStaleness].sort(byName) });
const byName = (a: readonly [string, number], b: readonly [string, number]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
const fromRow = (row: { id: number; settings: string } | undefined): DecisionSettings | null => {
  if (!row) return null;
  const o = JSON.parse(row.settings) as { ranks: [string, number][]; maxStaleness: [string, number][] };
  return { version: row.id, ranks: new Map(o.ranks), maxStaleness: new Map(o.maxStaleness) };
};

/** The decision settings (role ranks, source staleness limits) and when each came into force. */
export class DecisionSettingsVersions {
  constructor(private readonly db: Db) {}

  /**
   * Records `settings` as in force from `at` unless they already are (call inside the caller's
   * transaction to keep it atomic with a policy activation); returns the version in force.
   */
  activate(settings: DecisionSettings, at: number): number {
    const text = toText(settings);
    const current = this.db.prepare('SELECT id, settings FROM decision_settings ORDER BY id DESC LIMIT 1').get() as { id: number; settings: string } | undefined;
    if (current?.settings === text) return current.id;
    return Number(this.db.prepare('INSERT INTO decision_settings (activated_at, settings) VALUES (?, ?)').run(at, text).lastInsertRowid);
  }

  /** The latest activation time (ms), or null before any. */
  lastActivatedAt(): number | null {
    return (this.db.prepare('SELECT max(activated_at) FROM decision_settings').pluck().get() as number | null) ?? null;
  }

  /** The settings in force now (the latest recorded). */
  latest(): DecisionSettings | null {
    return fromRow(this.db.prepare('SELECT id, settings FROM decision_settings ORDER BY id DESC LIMIT 1').get() as { id: number; settings: string } | undefined);
  }

  byVersion(version: number): DecisionSettings | null {
    return fromRow(this.db.prepare('SELECT id, settings FROM decision_settings WHERE id = ?').get(version) as { id: number; settings: string } | undefined);
  }

  /**
   * The settings in force at `time` (ms). Before the first recorded ones (a store from before
   * they were recorded) the earliest recorded count: the nearest known to that time. Null only
   * when none were ever recorded.
   */
  at(time: number): DecisionSettings | null {
    const row =
      (this.db.prepare('SELECT id, settings FROM decision_settings WHERE activated_at <= ? ORDER BY activated_at DESC, id DESC LIMIT 1').get(time) as { id: number; settings: string } | undefined) ??
      (this.db.prepare('SELECT id, settings FROM decision_settings ORDER BY id LIMIT 1').get() as { id: number; settings: string } | undefined);
    return fromRow(row);
  }
}
