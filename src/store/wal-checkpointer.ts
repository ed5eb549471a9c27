import { Worker } from 'node:worker_threads';
import type { Db } from './open-database.js';
import type { FromCheckpointer, ToCheckpointer } from './wal-checkpoint-thread.js';

const THREAD = new URL('./wal-checkpoint-thread.js', import.meta.url);
/** SQLite's default: the committing connection checkpoints once the WAL holds this many pages. */
const AUTOCHECKPOINT_PAGES = 1000;

/**
 * Keeps the checkpoint of a big commit off the writer's thread. SQLite checkpoints inside the
 * commit call of the connection whose commit grew the WAL past 1,000 pages: after a 100k-user
 * initial apply that is ~300 MB copied and synced, 0.6-1.3 s added to the apply. Around a big
 * commit the writer's automatic checkpoint is switched off, and a worker thread with its own
 * connection checkpoints instead (started on the first big commit; small stores never start
 * it). Until the worker reports back, the writer's small commits do not checkpoint either, so
 * none of them inherits the big copy. If the worker fails, the writer checkpoints as before.
 */
export class WalCheckpointer {
  private worker: Worker | null = null;
  private failed = false;

  constructor(
    private readonly db: Db,
    private readonly path: string,
  ) {}

  /** Runs a write transaction that writes `rows` rows, checkpointing afterwards off-thread if it is big. */
  around<T>(rows: number, commit: () => T, big = 20_000): T {
    if (rows < big || this.failed || this.path === ':memory:') return commit();
    this.db.pragma('wal_autocheckpoint = 0');
    try {
      return commit();
    } finally {
      this.request();
    }
  }

  close(): void {
    this.worker?.postMessage({ type: 'close' } satisfies ToCheckpointer);
    this.worker = null;
  }

  private request(): void {
    try {
      this.worker ??= this.start();
      this.worker.postMessage({ type: 'checkpoint' } satisfies ToCheckpointer);
    } catch {
      this.fallBack();
    }
  }

  private start(): Worker {
    const worker = new Worker(THREAD, { workerData: { path: this.path } });
    // A checkpoint never needs to finish before the process exits: the WAL is durable already.
    worker.unref();
    worker.on('message', (m: FromCheckpointer) => {
      if (m.error !== null) this.fallBack();
      else if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    });
    worker.on('error', () => this.fallBack());
    worker.on('exit', () => {
      if (this.worker === worker) this.fallBack();
    });
    return worker;
  }

  private fallBack(): void {
    this.failed = true;
    this.worker = null;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  }
}
