import type { SyncProgress } from '../connector.js';

/**
 * Progress of one run for logs and `roster status`: objects read, Graph requests, and the
 * throttling waits (count, total time, what the last one was for).
 */
export class RunMonitor {
  items = 0;
  waits = 0;
  waitedMs = 0;
  private note: string | undefined;

  constructor(private readonly report: (p: SyncProgress) => void) {}

  read(n: number, note?: string): void {
    this.items += n;
    if (note !== undefined) this.note = note;
    this.emit();
  }

  waited(ms: number, note: string): void {
    this.waits++;
    this.waitedMs += ms;
    this.note = note;
    this.emit();
  }

  phase(note: string): void {
    this.note = note;
    this.emit();
  }

  private emit(): void {
    const p: SyncProgress = { items: this.items, ...(this.waits ? { waits: this.waits, waitedMs: this.waitedMs } : {}), ...(this.note ? { note: this.note } : {}) };
    this.report(p);
  }
}
