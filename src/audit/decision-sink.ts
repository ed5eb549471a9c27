import type { DecisionLogEntry } from '../model/decision-log-entry.js';

/**
 * Where the decision log writer commits batches (handed in): the decision-log store in this
 * thread (append returns once committed, or throws) or its worker thread (append returns a
 * promise, which rejects with an UncommittedBatch holding the rows when the commit fails).
 */
export interface DecisionSink {
  lastHash(): string;
  append(rows: readonly DecisionLogEntry[]): void | Promise<void>;
}
