import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RosterError } from '../errors/roster-error.js';

export type BackupKind = 'role-store' | 'decision-log';

/** One verified copy. `head` is the newest role-state version (role store) or record seq (decision log) in it. */
export interface BackupResult {
  readonly kind: BackupKind;
  readonly source: string;
  readonly path: string;
  readonly bytes: number;
  readonly schemaVersion: number;
  readonly head: number | null;
}

/** Plain SQL on tables every schema version has, so a store older or newer than this binary still backs up. */
const HEAD_SQL: Readonly<Record<BackupKind, string>> = {
  'role-store': 'SELECT max(id) FROM versions',
  'decision-log': 'SELECT max(seq) FROM decisions',
};

/** Pages per backup step: all of them, so the copy is one read transaction (see below). */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies a live SQLite file with the online backup API and verifies the copy. The source is
 * opened read-only and takes no writer lock, so the daemon keeps committing meanwhile (WAL).
 * All pages are copied in one step, i.e. inside one read transaction: the copy is the state of
 * one commit, and a commit landing mid-copy cannot restart the backup over and over (which the
 * API does when the source changes between steps). The copy is written to a temp file beside
 * `target`, switched to a rollback journal (one self-contained file, no -wal/-shm), checked with
 * `PRAGMA integrity_check`, synced, and only then renamed over `target`.
 */
export async function backupDatabase(kind: BackupKind, source: string, target: string): Promise<BackupResult> {
  if (!existsSync(source)) throw new RosterError('ROSTER_ERR_STORE_OPEN', { path: source, cause: 'it does not exist yet (run `roster sync` or start the daemon first)' });
  const path = resolve(target);
  if (path === realpathSync(source) || (existsSync(path) && realpathSync(path) === realpathSync(source))) {
    throw new RosterError('ROSTER_ERR_BACKUP_FAILED', { source, target: path, cause: 'the target is the live file itself' });
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await copyPages(source, tmp, path);
    const { schemaVersion, head } = verify(kind, source, tmp, path);
    syncFile(tmp);
    renameSync(tmp, path);
    syncFile(dirname(path));
    return { kind, source, path, bytes: statSync(path).size, schemaVersion, head };
  } finally {
    for (const leftover of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) rmSync(leftover, { force: true });
  }
}

async function copyPages(source: string, tmp: string, target: string): Promise<void> {
  let db: Database.Database;
  try {
    db = new Database(source, { readonly: true, fileMustExist: true, timeout: 5000 });
  } catch (err) {
    throw new RosterError('ROSTER_ERR_STORE_OPEN', { path: source, cause: describe(err) });
  }
  try {
    await db.backup(tmp, { progress: () => ALL_PAGES });
  } catch (err) {
    throw new RosterError('ROSTER_ERR_BACKUP_FAILED', { source, target, cause: describe(err) });
  } finally {
    db.close();
  }
}

function verify(kind: BackupKind, source: string, tmp: string, target: string): { schemaVersion: number; head: number | null } {
  const copy = new Database(tmp, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const problems = copy.prepare('PRAGMA integrity_check').pluck().all() as string[];
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw new RosterError('ROSTER_ERR_BACKUP_UNVERIFIED', { source, target, cause: problems.slice(0, 5).join('; ') });
    }
    return {
      schemaVersion: copy.pragma('user_version', { simple: true }) as number,
      head: (copy.prepare(HEAD_SQL[kind]).pluck().get() as number | null) ?? null,
    };
  } catch (err) {
    if (err instanceof RosterError) throw err;
    throw new RosterError('ROSTER_ERR_BACKUP_UNVERIFIED', { source, target, cause: describe(err) });
  } finally {
    copy.close();
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));
