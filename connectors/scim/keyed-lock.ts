interface Waiter {
  readonly exclusive: boolean;
  readonly grant: () => void;
}

interface Entry {
  readers: number;
  writer: boolean;
  readonly queue: Waiter[];
}

/**
 * Per-key readers/writer lock, first come first served. Group member PATCHes take it shared (their
 * deltas commute, so they run and coalesce concurrently); writes computed from the current
 * resource (user PATCH/PUT, group PUT, DELETE) take it exclusive, so none is computed from a base
 * that another write is about to change.
 */
export class KeyedLock {
  private readonly entries = new Map<string, Entry>();

  shared<T>(key: string, job: () => Promise<T>): Promise<T> {
    return this.run(key, false, job);
  }

  exclusive<T>(key: string, job: () => Promise<T>): Promise<T> {
    return this.run(key, true, job);
  }

  /** Keys currently locked or awaited (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private async run<T>(key: string, exclusive: boolean, job: () => Promise<T>): Promise<T> {
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = { readers: 0, writer: false, queue: [] }));
    const entry = e;
    await new Promise<void>((grant) => {
      entry.queue.push({ exclusive, grant });
      this.pump(entry);
    });
    try {
      return await job();
    } finally {
      if (exclusive) entry.writer = false;
      else entry.readers--;
      this.pump(entry);
      if (!entry.writer && entry.readers === 0 && entry.queue.length === 0) this.entries.delete(key);
    }
  }

  private pump(e: Entry): void {
    while (e.queue.length && !e.writer) {
      const next = e.queue[0]!;
      if (next.exclusive) {
        if (e.readers > 0) return;
        e.writer = true;
      } else {
        e.readers++;
      }
      e.queue.shift();
      next.grant();
    }
  }
}
