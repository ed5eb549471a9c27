import type { DecisionLogEntry } from '../model/decision-log-entry.js';

/** Where the decision log writer commits batches (the decision-log store, handed in). */
export interface DecisionSink {
  lastHash(): string;
  append(rows: readonly DecisionLogEntry[]): void;
}
