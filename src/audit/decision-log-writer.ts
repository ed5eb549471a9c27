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

interface Pending {
  readonly record: DecisionRecord;
  readonly done?: { resolve(): void; reject(err: Error): void };
}

/**
 * Group commit for the decision log: records queue for a few ms and commit in one transaction,
 * chained by hash in commit order. `durable` callers wait for their record's commit; `async`
 * callers do not (the record commits within the window). Nothing queued is dropped on close.
 */
export class DecisionLogWriter {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private head: string;
  private failing: Error | null = null;
  private committed = 0;
  private lastCommitMs = 0;

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

  get stats(): { committed: number; lastCommitMs: number; failing: string | null } {
    return { committed: this.committed, lastCommitMs: this.lastCommitMs, failing: this.failing?.message ?? null };
  }

  /** Commits everything queued now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.queue.length) this.commitBatch(this.queue.splice(0, this.options.maxBatch));
  }

  close(): void {
    this.flush();
  }

  private schedule(): void {
    if (this.queue.length >= this.options.maxBatch) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.options.windowMs);
  }

  private commitBatch(batch: Pending[]): void {
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
      for (const p of batch) p.done?.resolve();
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      this.failing = e;
      this.onError(e);
      for (const p of batch) p.done?.reject(e);
    }
  }
}
