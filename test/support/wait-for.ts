import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` until it returns something truthy (errors count as "not yet"); bounded in time. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T | undefined | null> | undefined | null, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch {
      // not there yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
