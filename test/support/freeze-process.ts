import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from './wait-for.js';

/** Every thread of `pid` is in the stopped state ("T" / "t" in /proc/PID/task/TID/stat). */
function allThreadsStopped(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'T' || state === 't';
  });
}

/**
 * Sends SIGSTOP and returns once every thread of the process has actually stopped: kill() only
 * queues the signal, and on a busy machine a server thread can still answer a request sent right
 * after it (seen in CI: a bind answered "after" the SIGSTOP).
 */
export async function freezeProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  await waitFor(`process ${pid} to stop`, () => allThreadsStopped(pid), 10_000);
}
