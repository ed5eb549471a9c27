import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, fsyncSync, openSync } from 'node:fs';

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export interface HeadSinkOptions {
  readonly file?: string;
  readonly syslog: boolean;
}

/**
 * Writes the decision log's chain head outside the log: a JSON line appended (and fsynced) to a
 * file, and/or a syslog line through logger(1). A later `roster audit verify --heads FILE` then
 * detects the newest records being truncated, which the chain alone cannot show.
 */
export class ChainHeadSink {
  private last: string | null = null;

  constructor(
    private readonly options: HeadSinkOptions,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Records the head if it moved since the last write. */
  write(head: ChainHead | null, at: number): void {
    if (head === null || head.hash === this.last) return;
    this.last = head.hash;
    const line = JSON.stringify({ at: new Date(at).toISOString(), seq: head.seq, hash: head.hash });
    if (this.options.file) {
      try {
        const fd = openSync(this.options.file, 'a', 0o640);
        try {
          appendFileSync(fd, line + '\n');
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      } catch (err) {
        this.last = null;
        this.onError(err as Error);
      }
    }
    if (this.options.syslog) {
      const child = spawn('logger', ['-t', 'roster-audit', `decision log chain head ${line}`], { stdio: 'ignore' });
      child.on('error', (err) => this.onError(err));
    }
  }
}
