import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { RosterError } from '../errors/roster-error.js';

/**
 * The single-writer guard: an exclusive SQLite lock on `<store>-writer.lock`, held for the
 * process's life. The OS drops it when the process dies (even by SIGKILL), so a crash never
 * leaves a stale lock, and a second daemon on the same store is refused at start.
 */
export class WriterLock {
  private constructor(private readonly db: Database.Database) {}

  static acquire(storePath: string): WriterLock {
    if (storePath === ':memory:') return new WriterLock(new Database(':memory:'));
    mkdirSync(dirname(storePath), { recursive: true });
    const db = new Database(`${storePath}-writer.lock`, { timeout: 0 });
    try {
      db.exec('BEGIN EXCLUSIVE');
    } catch {
      db.close();
      throw new RosterError('ROSTER_ERR_STORE_LOCKED', { path: storePath });
    }
    return new WriterLock(db);
  }

  release(): void {
    if (this.db.open) this.db.close();
  }
}
