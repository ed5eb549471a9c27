import type { DecisionLogEntry } from '../model/decision-log-entry.js';
import type { DecisionRecord } from '../model/decision-record.js';
import { chainHash } from './chain-hash.js';
import type { DecisionSink } from './decision-sink.js';
import { recordJson } from './record-json.js';
import { UncommittedBatch } from './uncommitted-batch.js';

export type DecisionLogMode = 'durable' | 'async' | 'off';

export interface DecisionLogOptions {
  readonly mode: DecisionLogMode;
  /** Async mode: longest a record waits for its batch to commit (durable batches commit as soon as they can). */
  readonly windowMs: number;
  /** A batch commits as soon as it holds this many records. */
  readonly maxBatch: number;
}

/** Answered async records kept for retry while the log fails; beyond this the oldest are dropped (counted). */
const MAX_RETAINED = 100_000;
/**
 * Async records queued on a healthy log at most, in batches (with maxBatch 512: 4,096, plus the
 * batch committing, is what a crash could lose). Beyond it an append is queued all the same but
 * its caller waits for room: a log that cannot keep up slows the answers down instead of filling
 * memory with answered, unrecorded decisions.
 */
const ASYNC_QUEUE_BATCHES = 8;

/** A record as the row it is stored as, not yet chained. */
type Unchained = Omit<DecisionLogEntry, 'prevHash' | 'hash'>;

interface Done {
  resolve(): void;
  reject(err: Error): void;
}

/**
 * A queued record, already the row it is stored as: a failing sink's rows are queued again as they
 * come back (see UncommittedBatch), and the rest of the record is garbage once answered.
 */
interface Pending {
  readonly row: Unchained;
  readonly done?: Done;
}

/** An async batch has no callers waiting for its commit. */
const NONE_WAITING: readonly Done[] = Object.freeze([]);

function unchained(record: DecisionRecord): Unchained {
  return {
    decisionId: record.decisionId,
    at: record.at,
    subject: record.request.subject.id,
    principalId: record.decision.principal ?? null,
    route: record.request.route,
    decision: record.decision.decision,
    record: recordJson(record),
  };
}

/**
 * Group commit for the decision log: records queue and commit in one transaction, chained by
 * hash in commit order. `durable` callers wait for their record's commit, which starts at the end
 * of the event loop's turn (or when the batch before it is done); `async` callers do not wait,
 * and their records gather for a window of a few ms (up to a bound: ASYNC_QUEUE_BATCHES).
 * Nothing queued is dropped on close (unless the log still fails then: see close()).
 *
 * The sink commits synchronously (in this thread) or asynchronously (a worker thread that owns
 * the SQLite connection, so an fsync never stalls the event loop). With an async sink one batch
 * is in flight at a time: the next batch is chained onto the head only once the previous one is
 * committed, and whatever queued meanwhile goes in that next batch (bigger batches under load).
 *
 * A failed commit: durable callers are told (their answer becomes an error, so their record
 * must not appear later); async records were already answered, so they stay queued and are
 * retried with backoff (up to MAX_RETAINED records) until the log accepts them again.
 */
export class DecisionLogWriter {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Durable mode: the flush at the end of this turn of the event loop. */
  private immediate: NodeJS.Immediate | null = null;
  /** Async callers waiting for room in the queue (see append). */
  private roomWaiters: (() => void)[] = [];
  private head: string;
  private failing: Error | null = null;
  private committed = 0;
  private lastCommitMs = 0;
  private retryDelayMs = 0;
  private dropped = 0;
  /** The batch an async sink is committing (null: none). */
  private inFlight: Promise<void> | null = null;
  /** Told about every batch commit, committed or failed (the responder's metrics). */
  onCommit: ((records: number, ms: number, ok: boolean) => void) | null = null;

  constructor(
    private readonly sink: DecisionSink,
    readonly options: DecisionLogOptions,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    this.head = sink.lastHash();
  }

  /**
   * Queues a record. Durable: the promise settles when it is committed (or fails). Async: no
   * promise, or, on a healthy log with a full queue, one that resolves when there is room again
   * (the record itself is queued like any async record, and retried like one if the log fails).
   */
  append(record: DecisionRecord): Promise<void> | undefined {
    if (this.options.mode === 'off') return undefined;
    if (this.options.mode === 'durable') {
      return new Promise<void>((resolve, reject) => {
        this.queue.push({ row: unchained(record), done: { resolve, reject } });
        this.schedule();
      });
    }
    this.queue.push({ row: unchained(record) });
    this.schedule();
    if (this.failing === null && this.queue.length > this.asyncBound) return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    return undefined;
  }

  private get asyncBound(): number {
    return ASYNC_QUEUE_BATCHES * this.options.maxBatch;
  }

  /** Async callers waiting for room go on once the queue is below the bound, or the log fails (their records are retained then), or closes. */
  private releaseRoom(force: boolean): void {
    if (this.roomWaiters.length === 0 || (!force && this.queue.length > this.asyncBound)) return;
    const waiting = this.roomWaiters;
    this.roomWaiters = [];
    for (const resolve of waiting) resolve();
  }

  get queueDepth(): number {
    return this.queue.length;
  }

  get stats(): { committed: number; lastCommitMs: number; failing: string | null; dropped: number } {
    return { committed: this.committed, lastCommitMs: this.lastCommitMs, failing: this.failing?.message ?? null, dropped: this.dropped };
  }

  /** The log's last commit failed and nothing has committed since. */
  get isFailing(): boolean {
    return this.failing !== null;
  }

  /**
   * Commits everything queued now (a sync sink: before returning; an async sink: batch after
   * batch, see drained()). A failure stops the flush and schedules a retry of the async records.
   */
  flush(): void {
    this.cancelScheduled();
    while (this.queue.length && this.inFlight === null) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      const started = performance.now();
      const { rows, head } = this.chain(batch);
      // A queue holds durable records only or async records only (the mode is the writer's).
      const waiting = this.options.mode === 'durable' ? batch.map((p) => p.done!) : NONE_WAITING;
      let result: void | Promise<void>;
      try {
        result = this.sink.append(rows);
      } catch (err) {
        this.failed(batch.length, waiting, this.options.mode === 'async' ? batch : [], err, started);
        return;
      }
      if (result instanceof Promise) {
        // Only the count and the waiting callers are kept while the batch commits; a failed batch's
        // rows come back with the failure. Keeping the batch here (these callbacks shared one closure
        // context with it) promoted nearly every async record to the old generation: at 1,800
        // decisions/s 0.87 MB/s, so a full collection of the 100k-user responder's heap every
        // ~7 s, each holding requests past 2 ms (idle p99 3.6-10.7 ms; 0.05 MB/s and 1.0-1.3 ms now).
        const count = batch.length;
        this.inFlight = result.then(
          () => {
            this.inFlight = null;
            this.succeeded(count, waiting, head, started);
            this.flush();
          },
          (err: unknown) => {
            this.inFlight = null;
            this.failed(count, waiting, this.handedBack(err, count), err, started);
          },
        );
        return;
      }
      this.succeeded(batch.length, waiting, head, started);
    }
    if (this.queue.length === 0) this.retryDelayMs = 0;
  }

  /** Resolves once nothing is queued or in flight (or the log fails: retained records wait for a retry). */
  async drained(): Promise<void> {
    this.flush();
    while (this.inFlight) {
      await this.inFlight;
      if (this.failing) return;
      this.flush();
    }
  }

  /**
   * Flushes and waits for the last commit; a sync sink has committed everything before the first
   * await. A log still failing at close cannot take what it retained: durable callers are told,
   * and the loss is counted and reported (onError), never silent.
   */
  async close(): Promise<void> {
    await this.drained();
    this.cancelScheduled();
    if (this.queue.length) {
      const left = this.queue;
      this.queue = [];
      const err = new Error(`the decision log closed while failing; ${left.length} records were not committed`);
      for (const p of left) p.done?.reject(err);
      this.dropped += left.filter((p) => p.done === undefined).length;
      this.onError(err);
    }
    this.releaseRoom(true);
  }

  /** Drops the flush that schedule() or a retry planned (the window timer or the end-of-turn flush). */
  private cancelScheduled(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
  }

  private schedule(): void {
    // A full batch commits now; but async records of a failing log wait for the retry timer and
    // its backoff (failed() set it), not one failing commit attempt per decision.
    if (this.queue.length >= this.options.maxBatch && (this.failing === null || this.options.mode === 'durable')) {
      this.flush();
      return;
    }
    if (this.options.mode === 'durable') {
      // Callers wait for the commit: waiting out a window too would only add to every answer's
      // latency. Everything read in this turn of the event loop goes in one batch; while a batch
      // commits, the next one gathers (flush() runs again when it is done), so batches grow with
      // load. After a failure too: a durable caller learns at once whether the log has recovered.
      if (this.inFlight === null && this.immediate === null) this.immediate = setImmediate(() => this.flush());
      return;
    }
    // Nobody waits for an async record: the window gathers bigger, cheaper batches (or the retry
    // timer of a failing log, with its backoff, is already set).
    this.timer ??= setTimeout(() => this.flush(), this.options.windowMs);
  }

  /** The batch as stored rows, chained onto the current head (which moves only on a commit). */
  private chain(batch: readonly Pending[]): { rows: DecisionLogEntry[]; head: string } {
    let head = this.head;
    const rows = batch.map(({ row }) => {
      const prevHash = head;
      head = chainHash(prevHash, row.record);
      // Spelled out: with `{ ...row, prevHash, hash }` here the responder's old generation grew
      // as fast as when whole records were kept (0.87 MB/s against 0.05 MB/s, measured).
      const { decisionId, at, subject, principalId, route, decision, record } = row;
      return { decisionId, at, subject, principalId, route, decision, record, prevHash, hash: head };
    });
    return { rows, head };
  }

  private succeeded(count: number, waiting: readonly Done[], head: string, started: number): void {
    this.head = head;
    this.committed += count;
    this.lastCommitMs = performance.now() - started;
    this.failing = null;
    this.onCommit?.(count, this.lastCommitMs, true);
    for (const d of waiting) d.resolve();
    this.releaseRoom(false);
  }

  /**
   * The async records of a batch the sink failed, as it handed them back. A sink that did not
   * (the log's thread died with the batch) lost them: counted dropped and reported, never silent.
   */
  private handedBack(err: unknown, count: number): Pending[] {
    if (this.options.mode === 'durable') return [];
    if (err instanceof UncommittedBatch) return err.rows.map((row) => ({ row }));
    this.dropped += count;
    this.onError(new Error(`${count} answered decision records were lost with the batch the decision log was committing`));
    return [];
  }

  /** Durable callers are told; answered async records (`retry`) go back to the front of the queue for a retry. */
  private failed(count: number, waiting: readonly Done[], retry: readonly Pending[], err: unknown, started: number): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.failing = e;
    this.onCommit?.(count, performance.now() - started, false);
    this.onError(e);
    for (const d of waiting) d.reject(e);
    this.queue = [...retry, ...this.queue];
    if (this.queue.length > MAX_RETAINED) {
      const cut = this.queue.splice(0, this.queue.length - MAX_RETAINED);
      for (const p of cut) p.done?.reject(e);
      this.dropped += cut.filter((p) => p.done === undefined).length;
    }
    // The records of callers waiting for room are retained now: let them have their answers.
    this.releaseRoom(true);
    this.retryDelayMs = Math.min(5_000, Math.max(100, this.retryDelayMs * 2));
    this.cancelScheduled();
    this.timer = this.queue.length ? setTimeout(() => this.flush(), this.retryDelayMs) : null;
  }
}
