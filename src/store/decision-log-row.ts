import type { DecisionLogEntry } from '../model/decision-log-entry.js';

/** A decision-log row: the entry and its sequence number (its place in the chain). */
export interface DecisionLogRow extends DecisionLogEntry {
  readonly seq: number;
}
