import { existsSync } from 'node:fs';
import type { Db } from './open-database.js';
import { openDatabase } from './open-database.js';
import { RosterError } from '../errors/roster-error.js';

export interface SourceControlRow {
  readonly source: string;
  readonly pausedAt: number | null;
  readonly releaseRequestedAt: number | null;
}

/**
 * Operator controls of sources (pause, release of a held sync), kept in the store so a CLI can
 * set them while the daemon holds the writer lock: each is one small transaction on its own
 * table, which the daemon only reads. The daemon polls them.
 */
export class SourceControl {
  constructor(private readonly db: Db) {}

  /**
   * A connection of its own, for the CLI (no writer lock: it touches only source_control). It
   * never migrates: the daemon that may be running (an older release during an upgrade) keeps
   * the schema it prepared its statements against; an existing store without the table is refused.
   */
  static open(path: string): SourceControl {
    // A store that does not exist yet has no daemon: create it whole.
    const db = openDatabase(path, { migrate: !existsSync(path) });
    if (db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'source_control'").get() === undefined) {
      db.close();
      throw new RosterError('ROSTER_ERR_STORE_OPEN', { path, cause: 'store needs migrating; start the daemon once' });
    }
    return new SourceControl(db);
  }

  pause(source: string, at: number): void {
    this.db.prepare('INSERT INTO source_control (source, paused_at) VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET paused_at = excluded.paused_at').run(source, at);
  }

  resume(source: string): boolean {
    return this.db.prepare('UPDATE source_control SET paused_at = NULL WHERE source = ? AND paused_at IS NOT NULL').run(source).changes > 0;
  }

  requestRelease(source: string, at: number): void {
    this.db
      .prepare('INSERT INTO source_control (source, release_requested_at) VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET release_requested_at = excluded.release_requested_at')
      .run(source, at);
  }

  /** Clears a release request once honoured (only the one seen, so a newer request stays). */
  clearRelease(source: string, seenAt: number): void {
    this.db.prepare('UPDATE source_control SET release_requested_at = NULL WHERE source = ? AND release_requested_at = ?').run(source, seenAt);
  }

  states(): SourceControlRow[] {
    return this.db.prepare('SELECT source, paused_at AS pausedAt, release_requested_at AS releaseRequestedAt FROM source_control ORDER BY source').all() as SourceControlRow[];
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
