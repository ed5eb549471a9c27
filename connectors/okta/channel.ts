/**
 * A bounded queue between the tasks that read Okta and the one consumer (the applier): writers
 * wait while it is full, so a slow apply slows the reading instead of buffering the whole org.
 * A writer's failure ends the stream with that error; a consumer that stops early makes
 * every later `push` throw, so the writers stop too.
 */
export class Channel<T> {
  private readonly items: T[] = [];
  private failure: { err: unknown } | null = null;
  private ended = false;
  private cancelled = false;
  private readerWake: (() => void) | null = null;
  private writerWakes: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  async push(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.cancelled && !this.failure) {
      await new Promise<void>((resolve) => this.writerWakes.push(resolve));
    }
    if (this.cancelled) throw new Error('the consumer stopped reading');
    if (this.failure) throw this.failure.err;
    this.items.push(item);
    this.wakeReader();
  }

  /** No more items will come. */
  end(): void {
    this.ended = true;
    this.wakeReader();
  }

  /** The stream fails with `err` (the first failure wins). */
  fail(err: unknown): void {
    this.failure ??= { err };
    this.wakeReader();
    this.wakeWriters();
  }

  async *drain(): AsyncGenerator<T> {
    try {
      for (;;) {
        if (this.failure) throw this.failure.err;
        if (this.items.length) {
          const item = this.items.shift()!;
          this.wakeWriters();
          yield item;
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.readerWake = resolve));
      }
    } finally {
      this.cancelled = true;
      this.wakeWriters();
    }
  }

  private wakeReader(): void {
    const w = this.readerWake;
    this.readerWake = null;
    w?.();
  }

  private wakeWriters(): void {
    const ws = this.writerWakes.splice(0);
    for (const w of ws) w();
  }
}
