/**
 * The decision log's worker thread (started by DecisionLogWorker): owns the writing SQLite
 * connection, so a batch's inserts and its fsync run beside the event loop that answers
 * decisions. Batches arrive in order and commit in order, one transaction each.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { DecisionLogEntry } from '../model/decision-log-entry.js';
import { DecisionLogStore } from './decision-log-store.js';

/** What the thread starts with: the log's path, this thread's nice value (0: as the process), and whether each commit waits for fsync. */
export interface LogWorkerData {
  readonly path: string;
  readonly nice: number;
  readonly fsyncEachCommit: boolean;
}
/** To the worker: a batch to commit (`id` names the answer), or close. */
export type ToLogWorker = { readonly type: 'append'; readonly id: number; readonly rows: readonly DecisionLogEntry[] } | { readonly type: 'close' };
/** From the worker: opened (with the chain head), a batch's outcome, or the failure to open. */
export type FromLogWorker =
  | { readonly type: 'ready'; readonly lastHash: string }
  | { readonly type: 'done'; readonly id: number; readonly error: null }
  /** The batch's rows come back: the writer's thread keeps none while they commit. */
  | { readonly type: 'done'; readonly id: number; readonly error: string; readonly rows: readonly DecisionLogEntry[] }
  | { readonly type: 'open-failed'; readonly error: string };

const port = parentPort;
if (port) {
  const { path, nice, fsyncEachCommit } = workerData as LogWorkerData;
  // Without an argument os.setPriority sets the calling thread only: this one.
  if (nice !== 0) {
    try {
      setPriority(nice);
    } catch {
      // Not permitted here (e.g. a raised value without RLIMIT_NICE): the log works the same, at the process's priority.
    }
  }
  let store: DecisionLogStore | null = null;
  try {
    store = DecisionLogStore.open(path, { fsyncEachCommit });
    port.postMessage({ type: 'ready', lastHash: store.lastHash() } satisfies FromLogWorker);
    // A backlog of unindexed records (a log upgraded from a release without the run index): one
    // run per turn of this thread's loop, so batches to commit get their turns in between.
    const backlog = (): void => {
      if (store?.indexDue(0)) setImmediate(backlog);
    };
    setImmediate(backlog);
  } catch (err) {
    port.postMessage({ type: 'open-failed', error: err instanceof Error ? err.message : String(err) } satisfies FromLogWorker);
  }
  port.on('message', (m: ToLogWorker) => {
    if (m.type === 'close') {
      store?.close();
      port.close();
      return;
    }
    let answer: FromLogWorker = { type: 'done', id: m.id, error: null };
    try {
      if (!store) throw new Error('the decision log is not open');
      store.appendOnly(m.rows);
    } catch (err) {
      answer = { type: 'done', id: m.id, error: err instanceof Error ? err.message : String(err), rows: m.rows };
    }
    port.postMessage(answer);
    // After the answer: the batch that completes a run does not wait for the run to be indexed.
    store?.indexDue(m.rows.length);
  });
}
