import { join } from 'node:path';
import type { ConnectorContext, PollConnector, SourceBatch, SyncRun } from '../../connectors/connector.js';
import { ldapConnectorFactory } from '../../connectors/ldap/index.js';
import type { ApplyResult } from '../../src/apply/apply-result.js';
import type { Applier } from '../../src/apply/applier.js';
import { readSecret } from '../../src/config/secret-ref.js';
import type { RoleStore } from '../../src/store/role-store.js';
import { MemoryLog } from './memory-log.js';

export { MemoryLog };
export { flatten } from './flatten-batches.js';


/** An `ldap` connector built the way the daemon builds it: options parsed by the factory, secrets read from files/env. */
export function ldapConnector(sourceId: string, rawOptions: unknown, baseDir: string, log = new MemoryLog()): { connector: PollConnector; log: MemoryLog; ctx: ConnectorContext } {
  const options = ldapConnectorFactory.parseOptions(rawOptions);
  const ctx: ConnectorContext = { sourceId, baseDir, readSecret: (ref) => readSecret(ref, baseDir, `source "${sourceId}"`), log };
  return { connector: ldapConnectorFactory.create(options, ctx) as PollConnector, log, ctx };
}

export interface SyncOutcome {
  readonly run: SyncRun;
  readonly result: ApplyResult;
  /** Everything the run delivered (kept only when `collect` is set). */
  readonly batches: SourceBatch[];
}

/**
 * One run the way the source runner does it: the stored cursor (or none for a full run), the
 * connector's batches through the applier, the cursor committed with the data.
 */
export async function syncAndApply(
  connector: PollConnector,
  applier: Applier,
  store: RoleStore,
  opts: { mode?: 'full' | 'incremental'; collect?: boolean; signal?: AbortSignal; onBatch?: (b: SourceBatch, n: number) => void | Promise<void> } = {},
): Promise<SyncOutcome> {
  const mode = opts.mode ?? 'incremental';
  const stored = store.syncStates().find((s) => s.source === connector.sourceId)?.cursor ?? null;
  const run = await connector.sync({
    cursor: mode === 'full' ? null : stored,
    mode: mode === 'full' || stored === null ? 'full' : 'incremental',
    signal: opts.signal ?? new AbortController().signal,
    progress: () => undefined,
    now: Date.now,
  });
  const batches: SourceBatch[] = [];
  let n = 0;
  async function* tap(): AsyncGenerator<SourceBatch> {
    for await (const b of run.batches) {
      if (opts.collect) batches.push(b);
      await opts.onBatch?.(b, n++);
      yield b;
    }
  }
  const result = await applier.apply({ source: connector.sourceId, kind: run.kind, batches: tap(), cursor: () => run.cursor(), trigger: 'sync' });
  return { run, result, batches };
}


export const secretFile = (dir: string, name = 'bind.pw'): string => join(dir, name);
