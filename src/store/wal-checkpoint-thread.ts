/**
 * The WAL checkpointer's thread (started by WalCheckpointer): copies a big commit's WAL frames
 * into the database file beside the event loop. It opens a connection for each checkpoint and
 * closes it after, so between checkpoints the writer's connection is the store's last one (its
 * close then checkpoints and removes the WAL as SQLite does). Requests queued while one runs
 * are answered by the next single checkpoint, with the highest request number among them.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export type ToCheckpointer = { readonly type: 'checkpoint'; readonly seq: number };
export type FromCheckpointer = { readonly seq: number; readonly error: string | null };

const port = parentPort;
if (port) {
  const path = (workerData as { path: string }).path;
  let queued = 0;
  port.on('message', (m: ToCheckpointer) => {
    if (queued === 0) setImmediate(run);
    queued = Math.max(queued, m.seq);
  });
  const run = (): void => {
    const seq = queued;
    queued = 0;
    let error: string | null = null;
    try {
      const db = new Database(path, { fileMustExist: true, timeout: 5000 });
      try {
        // PASSIVE: never waits for readers or the writer; what a reader still needs stays in the WAL.
        db.pragma('wal_checkpoint(PASSIVE)');
      } finally {
        db.close();
      }
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    port.postMessage({ seq, error } satisfies FromCheckpointer);
  };
}
