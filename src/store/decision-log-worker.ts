import { Worker } from 'node:worker_threads';
import type { DecisionSink } from '../audit/decision-sink.js';
import { UncommittedBatch } from '../audit/uncommitted-batch.js';
import { RosterError } from '../errors/roster-error.js';
import type { DecisionLogEntry } from '../model/decision-log-entry.js';
import type { FromLogWorker, LogWorkerData, ToLogWorker } from './decision-log-worker-thread.js';

const THREAD = new URL('./decision-log-worker-thread.js', import.meta.url);

/**
 * The decision log committed by a worker thread (decision-log-worker-thread.ts): `append`
 * resolves when the batch's transaction has committed, and the responder's event loop never
 * waits for SQLite. If the thread dies, every pending and later batch fails (decisions follow
 * the audit-failure policy) and `onDeath` is told, so the process can restart clean.
 */
export class DecisionLogWorker implements DecisionSink {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(): void; reject(err: Error): void }>();
  private dead: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly head: string,
  ) {
    worker.on('message', (m: FromLogWorker) => {
      if (m.type !== 'done') return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error === null) p?.resolve();
      else p?.reject(new UncommittedBatch(m.error, m.rows));
    });
  }

  /**
   * Starts the thread and waits until it has opened (and migrated) the log at `path`. For a log
   * nobody waits on (async): `nice`, the thread's own CPU priority (Linux nice is per thread), and
   * `fsyncEachCommit: false` (see DecisionLogStore.open).
   */
  static start(path: string, onDeath: (err: Error) => void, opts: { readonly nice?: number; readonly fsyncEachCommit?: boolean } = {}): Promise<DecisionLogWorker> {
    const data: LogWorkerData = { path, nice: opts.nice ?? 0, fsyncEachCommit: opts.fsyncEachCommit ?? true };
    const worker = new Worker(THREAD, { workerData: data });
    return new Promise((resolve, reject) => {
      const early = (err: Error): void => reject(new RosterError('ROSTER_ERR_STORE_OPEN', { path, cause: err.message }));
      worker.once('error', early);
      worker.once('message', (m: FromLogWorker) => {
        worker.off('error', early);
        if (m.type === 'open-failed') {
          void worker.terminate();
          return reject(new RosterError('ROSTER_ERR_STORE_OPEN', { path, cause: m.error }));
        }
        if (m.type !== 'ready') return reject(new Error(`decision log worker: unexpected first message ${m.type}`));
        const sink = new DecisionLogWorker(worker, m.lastHash);
        const die = (err: Error): void => {
          if (sink.dead) return;
          sink.dead = err;
          for (const p of sink.pending.values()) p.reject(err);
          sink.pending.clear();
          onDeath(err);
        };
        worker.on('error', (err) => die(new Error(`the decision log worker failed: ${err.message}`)));
        worker.on('exit', (code) => die(new Error(`the decision log worker exited (code ${code})`)));
        resolve(sink);
      });
    });
  }

  lastHash(): string {
    return this.head;
  }

  append(rows: readonly DecisionLogEntry[]): Promise<void> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'append', id, rows } satisfies ToLogWorker);
    });
  }

  /** Lets committed batches finish, then closes the connection and ends the thread. */
  async close(): Promise<void> {
    if (this.dead) return;
    this.dead = new Error('the decision log is closed');
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' } satisfies ToLogWorker);
    await exited;
  }
}
