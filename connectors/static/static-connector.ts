import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import type { PollConnector, SyncRequest, SyncRun } from '../connector.js';
import { directoryToBatch } from './directory-to-batch.js';
import { staticDirectorySchema } from './static-directory-schema.js';

/** Reads the static directory file on every run and delivers it as a full snapshot. */
export class StaticConnector implements PollConnector {
  constructor(
    readonly sourceId: string,
    private readonly file: string,
  ) {}

  async sync(_request: SyncRequest): Promise<SyncRun> {
    let raw: unknown;
    try {
      raw = parse(await readFile(this.file, 'utf8'));
    } catch (err) {
      throw new Error(`cannot read static directory ${this.file}: ${(err as Error).message}`);
    }
    const parsed = staticDirectorySchema.safeParse(raw ?? {});
    if (!parsed.success) {
      throw new Error(`invalid static directory ${this.file}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
    }
    const batch = directoryToBatch(parsed.data);
    return {
      kind: 'full',
      batches: (async function* () {
        yield batch;
      })(),
      cursor: () => null,
    };
  }
}
