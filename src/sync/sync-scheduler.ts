import cron from 'node-cron';
import type { SourceRunner } from './source-runner.js';

export interface ScheduledSource {
  readonly runner: SourceRunner;
  readonly schedule: string;
  readonly firstDelayMs: number;
}

/** Drives source runners from their cron schedules; one first run after `firstDelay`. */
export class SyncScheduler {
  private readonly tasks: { stop(): void }[] = [];
  private readonly timers: NodeJS.Timeout[] = [];

  start(sources: readonly ScheduledSource[]): void {
    for (const s of sources) {
      this.timers.push(setTimeout(() => s.runner.tick(), s.firstDelayMs));
      this.tasks.push(cron.schedule(s.schedule, () => s.runner.tick(), { noOverlap: true }));
    }
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    for (const t of this.tasks) t.stop();
  }
}
