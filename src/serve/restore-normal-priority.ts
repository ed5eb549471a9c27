import { getPriority } from 'node:os';
import type { Logger } from '../log/create-logger.js';
import { setProcessPriority } from '../sync/set-process-priority.js';

/**
 * The responder answers at normal priority (nice 0) even when forked by a provider that already
 * lowered itself (a restart after a crash). Raising back needs RLIMIT_NICE (the systemd unit
 * sets LimitNICE=20) or CAP_SYS_NICE; without either the responder keeps the inherited value
 * and says so. Every thread is raised: V8's collector helpers started at the inherited value.
 */
export function restoreNormalPriority(log: Logger): void {
  const inherited = getPriority();
  if (inherited <= 0) return;
  try {
    setProcessPriority(0);
  } catch (err) {
    log.warn({ nice: inherited, err: err instanceof Error ? err.message : String(err) }, 'the decision responder cannot return to normal CPU priority (allow it with LimitNICE=20); decisions compete with syncs for CPU');
  }
}
