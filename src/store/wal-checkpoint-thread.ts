/**
 * The WAL checkpointer's thread (started by WalCheckpointer): its own connection copies a big
 * commit's WAL frames into the database file beside the event loop. Requests queued while one
 * runs are answered by the next single checkpoint.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export type ToCheckpointer = { readonly type: 'checkpoint' } | { readonly type: 'close' };
export type FromCheckpointer = { readonly type: 'done'; readonly error: string | null };

const port = parentPort;
if (port) {
  const db = new Database((workerData as { path: string }).path, { fileMustExist: true, timeout: 5000 });
  let queued = false;
  port.on('message', (m: ToCheckpointer) => {
    if (m.type === 'close') {
      db.close();
      port.close();
      return;
    }
    if (queued) return;
    queued = true;
    setImmediate(() => {
      queued = false;
      let error: string | null = null;
      try {
        // PASSIVE: never waits for readers or the writer; what a reader still needs stays in the WAL.
        db.pragma('wal_checkpoint(PASSIVE)');
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      port.postMessage({ type: 'done', error } satisfies FromCheckpointer);
    });
  });
}
