import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectorContext, SourceBatch, SyncProgress, SyncRun } from '../../../connectors/connector.js';
import { EntraConnector, entraConnectorFactory, type GraphFetch } from '../../../connectors/entra/index.js';
import type { ApplyResult } from '../../../src/apply/apply-result.js';
import type { Applier } from '../../../src/apply/applier.js';
import { readSecret } from '../../../src/config/secret-ref.js';
import type { RoleStore } from '../../../src/store/role-store.js';
import type { PagingOptions } from './delta-rounds.js';
import { FakeDirectory } from './fake-directory.js';
import { PUBLIC_GRAPH, startFakeGraph, type FakeGraph } from './fake-graph.js';
import { PUBLIC_AUTHORITY, TokenBook, startFakeLogin, type AppRegistration, type FakeLogin } from './fake-login.js';
import { RoutedMsalNetwork, routedGraphFetch } from './routing.js';
import { MemoryLog } from '../../support/memory-log.js';

export { MemoryLog };
export { flatten } from '../../support/flatten-batches.js';

export const TENANT = '7e0b2a1c-4f3d-4c59-9b8e-3c1d2e4f5a6b';
export const CLIENT_ID = '5a1f0c3e-8d2b-4e6a-9f70-1b2c3d4e5f60';
export const SECRET = 'Zq8~fake-client-secret-value_3sK';


/** The fake token endpoint and the fake Graph, and the routes that lead the real endpoints to them. */
export interface FakeEntra {
  readonly dir: FakeDirectory;
  readonly graph: FakeGraph;
  readonly login: FakeLogin;
  readonly book: TokenBook;
  readonly app: AppRegistration;
  readonly routes: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

export async function startFakeEntra(
  dir = new FakeDirectory(),
  paging: Partial<PagingOptions> = {},
  app: Partial<AppRegistration> = {},
  /** The public endpoints the fakes stand for (a national cloud's, say). */
  cloud: { authority: string; graph: string } = { authority: PUBLIC_AUTHORITY, graph: PUBLIC_GRAPH },
): Promise<FakeEntra> {
  const book = new TokenBook();
  const registration: AppRegistration = { tenantId: TENANT, clientId: CLIENT_ID, secret: SECRET, ...app };
  const login = await startFakeLogin(registration, book, cloud);
  const graph = await startFakeGraph(dir, book, paging, cloud.graph);
  const routes = new Map([
    [cloud.authority, login.origin],
    [cloud.graph, graph.origin],
  ]);
  return {
    dir,
    graph,
    login,
    book,
    app: registration,
    routes,
    close: async () => {
      await graph.close();
      await login.close();
    },
  };
}

/** Options as an operator writes them (production endpoints), with the secret in a file. */
export function entraOptions(baseDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  writeFileSync(join(baseDir, 'entra.secret'), SECRET + '\n', { mode: 0o600 });
  return { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: { file: 'entra.secret' }, ...extra };
}

/** An `entra` connector built the way the daemon builds it (factory-parsed options, secrets read by the core's reader), wired to the fakes. */
export function entraConnector(
  fake: FakeEntra,
  rawOptions: unknown,
  baseDir: string,
  opts: { sourceId?: string; log?: MemoryLog; wrapFetch?: (f: GraphFetch) => GraphFetch } = {},
) {
  const sourceId = opts.sourceId ?? 'entra';
  const log = opts.log ?? new MemoryLog();
  const options = entraConnectorFactory.parseOptions(rawOptions);
  const ctx: ConnectorContext = { sourceId, baseDir, readSecret: (ref) => readSecret(ref, baseDir, `source "${sourceId}"`), log };
  const network = new RoutedMsalNetwork(fake.routes);
  const fetch = routedGraphFetch(fake.routes);
  const connector = new EntraConnector(sourceId, options, ctx, { networkClient: network, fetch: opts.wrapFetch ? opts.wrapFetch(fetch) : fetch });
  return { connector, log, network, ctx };
}

export interface SyncOutcome {
  readonly run: SyncRun;
  readonly result: ApplyResult;
  readonly batches: SourceBatch[];
  readonly progress: SyncProgress[];
}

/**
 * One run the way the source runner does it: the stored cursor (none for a full run), the
 * connector's batches through the applier, the cursor committed with the data.
 */
export async function syncAndApply(
  connector: EntraConnector,
  applier: Applier,
  store: RoleStore,
  opts: { mode?: 'full' | 'incremental'; signal?: AbortSignal } = {},
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
  async function* tap(): AsyncGenerator<SourceBatch> {
    for await (const b of run.batches) {
      batches.push(b);
      yield b;
    }
  }
  const result = await applier.apply({ source: connector.sourceId, kind: run.kind, batches: tap(), cursor: () => run.cursor(), trigger: 'sync' });
  return { run, result, batches, progress };
}

