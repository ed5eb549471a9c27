import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Sets the nice value of every thread of this process. Linux nice is per thread and
 * `os.setPriority()` changes only the calling one, so alone it leaves V8's garbage-collector
 * helpers and libuv's pool at the old value: a lowered provider's concurrent marking of a
 * gigabyte heap kept competing with decisions at full priority. On Linux each thread is set
 * by its id (from /proc/self/task); threads started later inherit the value of the thread that
 * starts them. Elsewhere only the calling thread is set. Throws when the main thread cannot be
 * set (e.g. raising without RLIMIT_NICE); a thread that exits meanwhile is skipped.
 */
export function setProcessPriority(nice: number): void {
  if (getPriority() !== nice) setPriority(nice);
  let threads: string[];
  try {
    threads = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  for (const tid of threads) {
    const id = Number(tid);
    if (id === process.pid) continue;
    try {
      if (getPriority(id) !== nice) setPriority(id, nice);
    } catch {
      // The thread exited between listing and setting.
    }
  }
}
