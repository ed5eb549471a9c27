import { getPriority } from 'node:os';
import type { Logger } from '../log/create-logger.js';
import { setProcessPriority } from './set-process-priority.js';

/** The provider's nice value: syncs and applies yield the CPU to the decision responder. */
export const PROVIDER_NICE = 10;

/**
 * Lowers this (the provider's) process, every thread of it, to PROVIDER_NICE, once the
 * responder has been forked at normal priority. On a small machine a 100k-user apply keeps a
 * core busy for seconds, and its garbage collection more; at equal priority the responder waits
 * its turn behind them and decision latency follows. Children forked later inherit the value —
 * a restarted responder raises itself back, see restore-normal-priority.ts.
 */
export function lowerToBackgroundPriority(log: Logger): void {
  try {
    if (getPriority() <= PROVIDER_NICE) setProcessPriority(PROVIDER_NICE);
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot lower the provider CPU priority; syncs compete with decisions for CPU');
  }
}
