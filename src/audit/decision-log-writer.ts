import type { DecisionRecord } from '../model/decision-record.js';
import { chainHash } from './chain-hash.js';
import type { DecisionSink } from './decision-sink.js';
import { recordJson } from './record-json.js';

export type DecisionLogMode = 'durable' | 'async' | 'off';

export interface DecisionLogOptions {
  readonly mode: DecisionLogMode;
  /** Longest a record waits for its batch to commit. */
  readonly windowMs: number;
  /** A batch commits as soon as it holds this many records. */
  readonly maxBatch: number;
}

/** Answered async records kept for retry while the log fails; beyond this the oldest are dropped (counted). */
const MAX_RETAINED = 100_000;

interface Pending {
  readonly record: DecisionRecord;
  readonly done?: { resolve(): void; reject(err: Error): void };
}

/**
 * Group commit for the decision log: records queue for a few ms and commit in one transaction,
 * chained by hash in commit order. `durable` callers wait for their record's commit; `async`
 * callers do not (the record commits within the window). Nothing queued is dropped on close.
 *
 * A failed commit: durable callers are told (their answer becomes an error, so their record
 * must not appear later); async records were already answered, so they stay queued and are
 * retried with backoff (up to MAX_RETAINED records) until the log accepts them again.
 */
export class DecisionLogWriter {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private head: string;
  private failing: Error | null = null;
  private committed = 0;
  private lastCommitMs = 0;
  private retryDelayMs = 0;
  private dropped = 0;
  /** Told about every batch commit, committed or failed (the responder's metrics). */
  onCommit: ((records: number, ms: number, ok: boolean) => void) | null = null;

  constructor(
    private readonly sink: DecisionSink,
    readonly options: DecisionLogOptions,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    this.head = sink.lastHash();
  }

  /** Queues a record. In durable mode the promise settles when it is committed (or fails). */
  append(record: DecisionRecord): Promise<void> | undefined {
    if (this.options.mode === 'off') return undefined;
    if (this.options.mode === 'durable') {
      return new Promise<void>((resolve, reject) => {
        this.queue.push({ record, done: { resolve, reject } });
        this.schedule();
      });
    }
    this.queue.push({ record });
    this.schedule();
    return undefined;
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

  /** Commits everything queued now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      if (this.commitBatch(batch)) continue;
      // Answered async records wait for the log to recover; retried with backoff.
      const kept = batch.filter((p) => p.done === undefined);
      this.queue = [...kept, ...this.queue];
      if (this.queue.length > MAX_RETAINED) this.dropped += this.queue.splice(0, this.queue.length - MAX_RETAINED).length;
      this.retryDelayMs = Math.min(5_000, Math.max(100, this.retryDelayMs * 2));
      if (this.queue.length) this.timer = setTimeout(() => this.flush(), this.retryDelayMs);
      return;
    }
    this.retryDelayMs = 0;
  }

  close(): void {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.queue.length >= this.options.maxBatch) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.options.windowMs);
  }

  /** Commits one batch; false (callers told, head unchanged) if the log refused it. */
  private commitBatch(batch: Pending[]): boolean {
    const started = performance.now();
    let head = this.head;
    const rows = batch.map(({ record }) => {
      const json = recordJson(record);
      const prevHash = head;
      head = chainHash(prevHash, json);
      return {
        decisionId: record.decisionId,
        at: record.at,
        subject: record.request.subject.id,
        principalId: record.decision.principal ?? null,
        route: record.request.route,
        decision: record.decision.decision,
        record: json,
        prevHash,
        hash: head,
      };
    });
    try {
      this.sink.append(rows);
      this.head = head;
      this.committed += rows.length;
      this.lastCommitMs = performance.now() - started;
      this.failing = null;
      this.onCommit?.(rows.length, this.lastCommitMs, true);
      for (const p of batch) p.done?.resolve();
      return true;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      this.failing = e;
      this.onCommit?.(rows.length, performance.now() - started, false);
      this.onError(e);
      for (const p of batch) p.done?.reject(e);
      return false;
    }
  }
}
