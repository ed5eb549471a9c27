import type { DecisionSettings } from '../model/decision-settings.js';
import type { Db } from './open-database.js';

/** Stored form: sorted [name, value] pairs, so equal settings are equal text. */
const toText = (s: DecisionSettings): string =>
  JSON.stringify({ ranks: [...s.ranks].sort(byName), maxStaleness: [...s.maxStaleness].sort(byName) });
const byName = (a: readonly [string, number], b: readonly [string, number]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
const fromText = (text: string): DecisionSettings => {
  const o = JSON.parse(text) as { ranks: [string, number][]; maxStaleness: [string, number][] };
  return { ranks: new Map(o.ranks), maxStaleness: new Map(o.maxStaleness) };
};

/** The decision settings (role ranks, source staleness limits) and when each came into force. */
export class DecisionSettingsVersions {
  constructor(private readonly db: Db) {}

  /** Records `settings` as in force from `at`, unless they already are. */
  activate(settings: DecisionSettings, at: number): void {
    const text = toText(settings);
    this.db
      .transaction(() => {
        const current = this.db.prepare('SELECT settings, activated_at FROM decision_settings ORDER BY id DESC LIMIT 1').get() as { settings: string; activated_at: number } | undefined;
        if (current?.settings !== text) this.db.prepare('INSERT INTO decision_settings (activated_at, settings) VALUES (?, ?)').run(Math.max(at, current?.activated_at ?? 0), text);
      })
      .immediate();
  }

  /** The settings in force at `time` (ms); null before the first recorded ones. */
  at(time: number): DecisionSettings | null {
    const text = this.db.prepare('SELECT settings FROM decision_settings WHERE activated_at <= ? ORDER BY activated_at DESC, id DESC LIMIT 1').pluck().get(time) as string | undefined;
    return text === undefined ? null : fromText(text);
  }
}
