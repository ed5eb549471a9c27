import type { SourceBatch } from '../../connectors/connector.js';
import type { Applier } from '../apply/applier.js';

interface Waiting {
  readonly batch: SourceBatch;
  resolve(r: { version: number | null }): void;
  reject(err: unknown): void;
}

/**
 * Group commit for push sources (SCIM): writes that arrive while a commit is running, or within
 * `windowMs`, are applied together as ONE delta and ONE role-state version; every caller is
 * answered only after that commit. If the combined apply fails, each write is retried on its own
 * so one bad write cannot fail its neighbours.
 */
export class PushCoalescer {
  private queue: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly applier: Applier,
    private readonly source: string,
    private readonly windowMs = 2,
    private readonly maxBatches = 1000,
    private readonly onCommitted: () => void = () => undefined,
  ) {}

  apply(batch: SourceBatch): Promise<{ version: number | null }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.queue.length >= this.maxBatches ? 0 : this.windowMs);
  }

  private async flush(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const group = this.queue.splice(0, this.maxBatches);
    try {
      const r = await this.applyAll(group.map((w) => w.batch));
      for (const w of group) w.resolve({ version: r.version?.id ?? null });
    } catch {
      for (const w of group) {
        try {
          const r = await this.applyAll([w.batch]);
          w.resolve({ version: r.version?.id ?? null });
        } catch (err) {
          w.reject(err);
        }
      }
    } finally {
      this.running = false;
      this.onCommitted();
      if (this.queue.length) this.schedule();
    }
  }

  private applyAll(batches: readonly SourceBatch[]) {
    return this.applier.apply({
      source: this.source,
      kind: 'delta',
      batches: (async function* () {
        yield* batches;
      })(),
      trigger: 'scim',
    });
  }
}
