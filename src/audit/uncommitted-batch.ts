import type { DecisionLogEntry } from '../model/decision-log-entry.js';

/**
 * A batch an asynchronous sink could not commit, with its rows handed back. The writer keeps none
 * of a batch in its own thread while the batch commits, so the async records to retry come from here.
 */
export class UncommittedBatch extends Error {
  constructor(
    message: string,
    readonly rows: readonly DecisionLogEntry[],
  ) {
    super(message);
    this.name = 'UncommittedBatch';
  }
}
