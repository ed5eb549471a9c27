import { open, type FileHandle } from 'node:fs/promises';

// Bytes queued for the disk before the producer waits: enough to keep a write going while the
// next chunks are read, small enough to bound memory.
const MAX_QUEUED = 32 << 20;

/**
 * Writes chunks to a file in order, on libuv's threads, while the caller produces the next ones:
 * an export of millions of records spends about as long writing (the page cache fills and the
 * kernel throttles to the disk's speed) as reading them, and the two now overlap instead of
 * adding up. One write is in flight at a time, at an explicit position. A chunk handed over
 * belongs to the writer until written: the caller must not reuse its memory.
 */
export class PipelinedFileWriter {
  private position = 0;
  private queued = 0;
  private tail: Promise<void> = Promise.resolve();
  private readonly pending: { readonly done: Promise<void>; readonly size: number }[] = [];
  private failure: unknown = null;

  private constructor(private readonly file: FileHandle) {}

  static async create(path: string, mode: number): Promise<PipelinedFileWriter> {
    return new PipelinedFileWriter(await open(path, 'w', mode));
  }

  /**
   * Queues `chunk`; resolves when the queue is short enough for the caller to go on. `onWritten`
   * runs once the chunk is on its way to the disk (its memory may then be reused).
   */
  async write(chunk: Buffer, onWritten?: () => void): Promise<void> {
    this.throwIfFailed();
    const at = this.position;
    this.position += chunk.length;
    this.queued += chunk.length;
    this.tail = this.tail.then(async () => {
      if (this.failure) return;
      try {
        for (let off = 0; off < chunk.length; ) off += (await this.file.write(chunk, off, chunk.length - off, at + off)).bytesWritten;
        onWritten?.();
      } catch (err) {
        this.failure = err;
      }
    });
    this.pending.push({ done: this.tail, size: chunk.length });
    while (this.queued > MAX_QUEUED) {
      const oldest = this.pending.shift()!;
      await oldest.done;
      this.queued -= oldest.size;
    }
    this.throwIfFailed();
  }

  /** Waits for every write, syncs the file to disk and closes it (also after a failure). */
  async finish(): Promise<void> {
    try {
      await this.tail;
      this.throwIfFailed();
      await this.file.sync();
    } finally {
      await this.file.close();
    }
  }

  /** Closes without syncing (the export failed and its file is being discarded). */
  async abandon(): Promise<void> {
    await this.tail;
    await this.file.close();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
