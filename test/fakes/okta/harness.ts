import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectorContext, PollConnector, SourceBatch, SyncProgress, SyncRun } from '../../../connectors/connector.js';
import { OktaConnector, oktaConnectorFactory, type OktaConnectorDeps } from '../../../connectors/okta/index.js';
import type { ApplyResult } from '../../../src/apply/apply-result.js';
import type { Applier } from '../../../src/apply/applier.js';
import { readSecret } from '../../../src/config/secret-ref.js';
import type { RoleStore } from '../../../src/store/role-store.js';
import { MemoryLog } from '../../support/memory-log.js';

export { MemoryLog };
export { flatten } from '../../support/flatten-batches.js';


/** A directory for secrets (the API token file, keys), as the config's base dir. */
export function secretsDir(token = 'test-api-token'): string {
  const dir = mkdtempSync(join(tmpdir(), 'roster-okta-'));
  writeFileSync(join(dir, 'okta.token'), token + '\n', { mode: 0o600 });
  return dir;
}

/** An `okta` connector built the way the daemon builds it: options parsed by the factory, secrets read from files/env. */
export function oktaConnector(
  sourceId: string,
  rawOptions: unknown,
  baseDir: string,
  deps: OktaConnectorDeps = {},
  log = new MemoryLog(),
): { connector: OktaConnector; log: MemoryLog; ctx: ConnectorContext } {
  const options = oktaConnectorFactory.parseOptions(rawOptions);
  const ctx: ConnectorContext = { sourceId, baseDir, readSecret: (ref) => readSecret(ref, baseDir, `source "${sourceId}"`), log };
  return { connector: new OktaConnector(sourceId, options, ctx, deps), log, ctx };
}

export interface SyncOutcome {
  readonly run: SyncRun;
  readonly result: ApplyResult;
  /** Everything the run delivered (kept only when `collect` is set). */
  readonly batches: SourceBatch[];
  readonly progress: SyncProgress[];
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
  const progress: SyncProgress[] = [];
  const run = await connector.sync({
    cursor: mode === 'full' ? null : stored,
    mode: mode === 'full' || stored === null ? 'full' : 'incremental',
    signal: opts.signal ?? new AbortController().signal,
    progress: (p) => progress.push(p),
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
  return { run, result, batches, progress };
}


/** Drains a run without an applier (the benchmark's consumer). */
export async function drain(run: SyncRun, onBatch?: (b: SourceBatch) => void): Promise<void> {
  for await (const b of run.batches) onBatch?.(b);
}
