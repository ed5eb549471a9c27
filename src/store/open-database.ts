import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { RosterError } from '../errors/roster-error.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/**
 * Opens the store: WAL (readers never block the writer), synchronous=FULL (a commit survives
 * power loss, not only a crash), foreign-key checks, and pending migrations. Read-only opens
 * (CLI queries) skip migrations and refuse a store that is newer than this binary.
 */
export function openDatabase(path: string, opts: { readonly readonly?: boolean; readonly migrate?: boolean } = {}): Db {
  if (!opts.readonly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  if (opts.readonly && path !== ':memory:' && !existsSync(path)) {
    throw new RosterError('ROSTER_ERR_STORE_OPEN', { path, cause: 'it does not exist yet (run `roster sync` or start the daemon first)' });
  }
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false, timeout: 5000 });
  } catch (err) {
    throw new RosterError('ROSTER_ERR_STORE_OPEN', { path, cause: describe(err) });
  }
  try {
    if (!opts.readonly) {
      // For a new store only (an existing one keeps its page size): 8 KiB pages made a 100k-user
      // initial apply's inserts into the big key B-trees 30-40% faster than the default 4 KiB.
      db.pragma('page_size = 8192');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      // 32 MiB of page cache (the default is 8 MiB at 8 KiB pages). Large applies write in key
      // order (rows sorted, indexes of empty tables built afterwards), so more did not pay: 128
      // MiB measured no faster on the 100k-user benchmarks and added ~100 MB to the peak RSS.
      db.pragma('cache_size = -32768');
      db.pragma('temp_store = MEMORY');
    }
    db.pragma('busy_timeout = 5000');
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new RosterError('ROSTER_ERR_STORE_TOO_NEW', { path, found: current, known: MIGRATIONS.length });
    }
    if (!opts.readonly && opts.migrate !== false) {
      for (let i = current; i < MIGRATIONS.length; i++) {
        db.transaction(() => {
          db.exec(MIGRATIONS[i]!);
          db.pragma(`user_version = ${i + 1}`);
        }).immediate();
      }
    } else if (opts.readonly && current < MIGRATIONS.length) {
      throw new RosterError('ROSTER_ERR_STORE_OPEN', { path, cause: 'store needs migrating; start the daemon once' });
    }
  } catch (err) {
    db.close();
    if (err instanceof RosterError) throw err;
    throw new RosterError('ROSTER_ERR_STORE_CORRUPT', { path, cause: describe(err) });
  }
  return db;
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));
