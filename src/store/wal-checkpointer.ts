import { Worker } from 'node:worker_threads';
import type { Db } from './open-database.js';
import type { FromCheckpointer, ToCheckpointer } from './wal-checkpoint-thread.js';

const THREAD = new URL('./wal-checkpoint-thread.js', import.meta.url);
/** SQLite's default: the committing connection checkpoints once the WAL holds this many pages. */
const AUTOCHECKPOINT_PAGES = 1000;
/** Commits of at least this many rows leave their checkpoint to the thread. */
const BIG_COMMIT_ROWS = 20_000;

/**
 * Keeps the checkpoint of a big commit off the writer's thread. SQLite checkpoints inside the
 * commit call of the connection whose commit grew the WAL past 1,000 pages: after a 100k-user
 * initial apply that is ~300 MB copied and synced, 0.6-1.3 s added to the apply. Around a big
 * commit the writer's automatic checkpoint is switched off, and a worker thread checkpoints
 * instead (started on the first big commit; small stores never start it). Until the thread has
 * answered the latest request, the writer's small commits do not checkpoint either, so none of
 * them inherits the big copy. If the thread fails, the writer checkpoints as before.
 */
export class WalCheckpointer {
  private worker: Worker | null = null;
  private failed = false;
  /** The number of the latest checkpoint requested, and of the latest the thread reported done. */
  private requested = 0;
  private done = 0;

  constructor(
    private readonly db: Db,
    private readonly path: string,
  ) {}

  /** Runs a write transaction that writes `rows` rows, checkpointing afterwards off-thread if it is big. */
  around<T>(rows: number, commit: () => T): T {
    if (rows < BIG_COMMIT_ROWS || this.failed || this.path === ':memory:') return commit();
    this.db.pragma('wal_autocheckpoint = 0');
    try {
      return commit();
    } finally {
      this.request();
    }
  }

  /**
   * Stops the thread (a checkpoint in progress finishes in SQLite; its connection is closed with
   * the thread). A requested checkpoint the thread has not reported done is run here first, a
   * PASSIVE one (readers go on reading): a process that closes right after a big commit (a
   * one-shot `roster sync`, a restart) would otherwise leave its WAL to nobody, since the
   * responder's read-only connection cannot checkpoint, and the next big commit's WAL adds to it.
   */
  close(): void {
    const w = this.worker;
    this.worker = null;
    if (w) void w.terminate();
    if (this.done >= this.requested || !this.db.open) return;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or failing: the next writer's commits checkpoint it.
    }
  }

  private request(): void {
    try {
      this.worker ??= this.start();
      this.worker.postMessage({ type: 'checkpoint', seq: ++this.requested } satisfies ToCheckpointer);
    } catch {
      this.fallBack();
    }
  }

  private start(): Worker {
    const worker = new Worker(THREAD, { workerData: { path: this.path } });
    // The thread never keeps the process alive: the WAL is durable already, and close() checkpoints what it has not.
    worker.unref();
    worker.on('message', (m: FromCheckpointer) => {
      if (m.error !== null) {
        this.fallBack();
        return;
      }
      this.done = Math.max(this.done, m.seq);
      // An answer to an older request leaves a newer big commit's WAL to the thread.
      if (m.seq === this.requested && this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    });
    worker.on('error', () => this.fallBack());
    worker.on('exit', () => {
      if (this.worker === worker) this.fallBack();
    });
    return worker;
  }

  private fallBack(): void {
    this.failed = true;
    const w = this.worker;
    this.worker = null;
    if (w) void w.terminate();
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  }
}
