import type { INetworkModule } from '@azure/msal-node';
import type { ConnectorContext, PollConnector, SourceBatch, SyncRequest, SyncRun } from '../connector.js';
import { appRoleDeltaBatch, appRoleFullBatch, readAppRoles } from './app-roles.js';
import { optionsFingerprint, type EntraOptions } from './config.js';
import { MsalTokenSource, type TokenSource } from './credentials.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { DeltaStream } from './delta-stream.js';
import { accountBatches, accountDeltaBatches, readAccountsFull } from './entity-sync.js';
import { DeltaResetError, EntraSourceError, describeError } from './errors.js';
import { GraphClient, type GraphFetch } from './graph-client.js';
import { groupBatches, groupDeltaBatches, readGroupsFull } from './group-sync.js';
import { DirectoryMirror, STREAM_PATH, initialDeltaPath, selectFor, type StreamName } from './records.js';
import { emptyStats, type RunContext } from './run-context.js';
import { RunMonitor } from './run-monitor.js';

/** Replaceable I/O, for tests: msal's HTTP client and Graph's fetch. Production uses the defaults. */
export interface EntraDeps {
  readonly networkClient?: INetworkModule;
  readonly fetch?: GraphFetch;
  /** Replaces the msal token source altogether (benchmarks). */
  readonly tokens?: TokenSource;
}

/** What one run will do, decided before any batch is delivered. */
interface Plan {
  readonly kind: 'full' | 'delta';
  readonly reason: string;
  /** Where each stream's round starts: initial URLs (full) or the stored deltaLinks (delta). */
  readonly starts: Readonly<Record<string, string>>;
  /** Delta runs: the streams, their first page already read. */
  readonly streams: readonly DeltaStream[];
  readonly previousAppRoleGroups: readonly string[];
}

/** What a run hands to its cursor: the final deltaLinks, the app-role groups delivered. */
interface RunOutput {
  readonly links: Partial<Record<StreamName, string>>;
  appRoleGroups: readonly string[] | null;
}

/** Restarts of one stream's initial round within a full run when Graph resets it mid-way. */
const MAX_RESTARTS = 2;

/**
 * The `entra` poll connector: Microsoft Entra ID through Microsoft Graph delta queries.
 *
 * A full run reads a fresh initial round of every stream (users, service principals, groups with
 * members) and the app-role assignments, and hands over the whole snapshot; an incremental run
 * continues each stream from the deltaLink in the cursor and hands over the changes page by page.
 * The kind is decided up front: the first page of each stored deltaLink is read before the run
 * starts, so a 410 Gone / syncStateNotFound / expired delta token turns the run into a full one.
 * Between runs the connector keeps the selected properties of every object (delta rounds may
 * describe an update by its changed properties only), never memberships.
 */
export class EntraConnector implements PollConnector {
  private readonly client: GraphClient;
  private readonly mirror = new DirectoryMirror();
  private readonly fingerprint: string;
  private msal: MsalTokenSource | null = null;
  /** Set when a delta round was reset mid-way: the next run is a full one. */
  private resyncPending: string | null = null;

  constructor(
    readonly sourceId: string,
    private readonly o: EntraOptions,
    private readonly ctx: ConnectorContext,
    deps: EntraDeps = {},
  ) {
    this.fingerprint = optionsFingerprint(o);
    // Secrets are read on the first run, so a missing secret is a failed run shown in `roster status`.
    const tokens: TokenSource = deps.tokens ?? { token: (fresh) => (this.msal ??= new MsalTokenSource(o, ctx, deps.networkClient)).token(fresh) };
    this.client = new GraphClient(sourceId, o, tokens, ctx.log, deps.fetch);
  }

  /** Graph requests sent since the connector was created. */
  get graphRequests(): number {
    return this.client.requests;
  }

  async sync(req: SyncRequest): Promise<SyncRun> {
    const started = req.now();
    const requestsBefore = this.client.requests;
    const monitor = new RunMonitor(req.progress);
    const ctx: RunContext = {
      sourceId: this.sourceId,
      o: this.o,
      client: this.client,
      monitor,
      signal: req.signal,
      log: this.ctx.log,
      mirror: this.mirror,
      gone: new Set(),
      stats: emptyStats(),
    };
    const plan = await this.plan(req, ctx).catch((err: unknown) => Promise.reject(this.asSourceError(err)));
    this.ctx.log.info({ source: this.sourceId, kind: plan.kind, reason: plan.reason }, 'Entra sync started');
    const out: RunOutput = { links: {}, appRoleGroups: this.o.appRoles ? null : [] };
    const self = this;
    async function* batches(): AsyncGenerator<SourceBatch> {
      try {
        yield* plan.kind === 'full' ? self.fullRun(plan, ctx, out) : self.deltaRun(plan, ctx, out);
      } catch (err) {
        throw self.asSourceError(err);
      }
      self.ctx.log.info(
        { source: self.sourceId, kind: plan.kind, ms: req.now() - started, graphRequests: self.client.requests - requestsBefore, waits: monitor.waits, waitedMs: monitor.waitedMs, ...ctx.stats },
        'Entra sync read',
      );
    }
    return {
      kind: plan.kind,
      batches: batches(),
      cursor: () => {
        const { links, appRoleGroups } = out;
        if (!links.users || !links.groups || (this.o.servicePrincipals.enabled && !links.servicePrincipals) || appRoleGroups === null) {
          throw new EntraSourceError(this.sourceId, 'protocol', 'the run ended before every delta round was complete');
        }
        return encodeCursor({ v: 1, fp: this.fingerprint, users: links.users, groups: links.groups, servicePrincipals: links.servicePrincipals ?? null, appRoleGroups });
      },
    };
  }

  /** A full run: a fresh initial round of every stream, then the app roles; the whole snapshot. */
  private async *fullRun(plan: Plan, ctx: RunContext, out: RunOutput): AsyncGenerator<SourceBatch> {
    for (const name of this.streamNames()) {
      const ds = name === 'groups' ? yield* this.fullGroups(plan.starts[name]!, ctx) : yield* this.fullAccounts(name, plan.starts[name]!, ctx);
      out.links[name] = ds.deltaLink!;
    }
    if (this.o.appRoles) {
      const roles = await readAppRoles(ctx);
      out.appRoleGroups = roles.groups.map((g) => g.externalId);
      yield appRoleFullBatch(roles);
    }
    this.resyncPending = null;
  }

  /** An incremental run: each stream continued from its deltaLink, page by page, then the app roles. */
  private async *deltaRun(plan: Plan, ctx: RunContext, out: RunOutput): AsyncGenerator<SourceBatch> {
    try {
      for (const ds of plan.streams) {
        if (ds.name === 'groups') yield* groupDeltaBatches(ds, ctx);
        else yield* accountDeltaBatches(ds.name, ds, ctx);
        out.links[ds.name] = ds.deltaLink!;
      }
    } catch (err) {
      if (!(err instanceof DeltaResetError)) throw err;
      this.resyncPending = `Graph reset a delta round mid-way during the last run (${err.reason})`;
      throw new EntraSourceError(this.sourceId, 'resync', `Microsoft Graph reset the delta round mid-way (${err.reason}); the run is dropped and the next one reads everything afresh`);
    }
    if (this.o.appRoles) {
      const roles = await readAppRoles(ctx);
      out.appRoleGroups = roles.groups.map((g) => g.externalId);
      yield appRoleDeltaBatch(roles, plan.previousAppRoleGroups);
    }
  }

  /** Every failure leaves as an EntraSourceError naming the source. */
  private asSourceError(err: unknown): EntraSourceError {
    if (err instanceof EntraSourceError) return err;
    if (err instanceof DeltaResetError) return new EntraSourceError(this.sourceId, 'resync', `Microsoft Graph reset a read (${err.reason}); the run will be retried`);
    return new EntraSourceError(this.sourceId, 'protocol', describeError(err), { cause: err });
  }

  private streamNames(): StreamName[] {
    return this.o.servicePrincipals.enabled ? ['users', 'servicePrincipals', 'groups'] : ['users', 'groups'];
  }

  private async plan(req: SyncRequest, ctx: RunContext): Promise<Plan> {
    const names = this.streamNames();
    const prev = decodeCursor(req.cursor);
    let reason: string | null =
      req.mode === 'full' ? 'full run requested (first run, reconcile or operator)'
      : req.cursor === null ? 'no cursor yet'
      : prev === null ? 'cursor not understood'
      : prev.fp !== this.fingerprint ? 'options changed since the cursor was made'
      : this.resyncPending;
    const restarts: Partial<Record<StreamName, string | null>> = {};
    const streams: DeltaStream[] = [];
    if (reason === null && prev) {
      const stored: Record<StreamName, string | null> = { users: prev.users, groups: prev.groups, servicePrincipals: prev.servicePrincipals };
      for (const name of names) {
        const link = stored[name];
        if (!link || !this.isDeltaLink(link, name)) {
          reason = `the cursor's ${name} deltaLink is not a ${this.o.graphEndpoint}${STREAM_PATH[name]}/delta link`;
          break;
        }
        streams.push(new DeltaStream(name, link, this.client, ctx.monitor, ctx.signal, this.sourceId));
      }
      for (const s of reason === null ? streams : []) {
        try {
          await s.prefetch();
        } catch (err) {
          if (!(err instanceof DeltaResetError)) throw err;
          reason = `Microsoft Graph cannot continue the ${s.name} delta round (${err.reason}): full resync`;
          restarts[s.name] = err.location;
          this.ctx.log.warn({ source: this.sourceId, stream: s.name, reason: err.reason }, 'Entra delta state expired or reset; running a full resync');
          break;
        }
      }
    }
    if (reason === null) return { kind: 'delta', reason: 'continuing the stored deltaLinks', starts: {}, streams, previousAppRoleGroups: prev!.appRoleGroups };
    const starts: Record<string, string> = {};
    for (const name of names) starts[name] = this.restartUrl(name, restarts[name] ?? null);
    return { kind: 'full', reason, starts, streams: [], previousAppRoleGroups: [] };
  }

  /** A stored link continues this stream: on the Graph endpoint, on the stream's delta function. */
  private isDeltaLink(link: string, name: StreamName): boolean {
    if (!this.client.onEndpoint(link)) return false;
    const path = new URL(link).pathname;
    return path === `${STREAM_PATH[name]}/delta` || path === `${STREAM_PATH[name]}/microsoft.graph.delta`;
  }

  /**
   * Where a fresh initial round starts: Graph's `Location` after a 410 when it is the same
   * initial query (same endpoint, function and $select), else the connector's own.
   */
  private restartUrl(name: StreamName, location: string | null): string {
    const own = this.client.url(initialDeltaPath(name, this.o));
    if (!location) return own;
    try {
      const u = new URL(location, own);
      if (this.isDeltaLink(u.href, name) && u.searchParams.get('$select') === selectFor(name, this.o).join(',')) return u.href;
    } catch {
      // not a URL: use our own
    }
    return own;
  }

  /** One account stream of a full run: the whole round, then its accounts. */
  private async *fullAccounts(name: StreamName, start: string, ctx: RunContext): AsyncGenerator<SourceBatch, DeltaStream> {
    const stream = name as 'users' | 'servicePrincipals';
    const { value, ds } = await this.withRestarts(name, start, ctx, (d) => readAccountsFull(stream, d, ctx));
    this.mirror.replace(name, value);
    yield* accountBatches(stream, value, ctx);
    return ds;
  }

  private async *fullGroups(start: string, ctx: RunContext): AsyncGenerator<SourceBatch, DeltaStream> {
    const { value, ds } = await this.withRestarts('groups', start, ctx, (d) => readGroupsFull(d, ctx));
    this.mirror.replace('groups', value.records);
    yield* groupBatches(value, ctx);
    return ds;
  }

  /** Reads a whole initial round; when Graph resets it mid-way, starts that round over (bounded). */
  private async withRestarts<T>(name: StreamName, start: string, ctx: RunContext, read: (ds: DeltaStream) => Promise<T>): Promise<{ value: T; ds: DeltaStream }> {
    let from = start;
    for (let attempt = 0; ; attempt++) {
      const ds = new DeltaStream(name, from, this.client, ctx.monitor, ctx.signal, this.sourceId);
      try {
        return { value: await read(ds), ds };
      } catch (err) {
        if (!(err instanceof DeltaResetError)) throw err;
        if (attempt >= MAX_RESTARTS) {
          throw new EntraSourceError(this.sourceId, 'resync', `Microsoft Graph reset the initial ${name} round ${attempt + 1} times (${err.reason}); the run will be retried`);
        }
        this.ctx.log.warn({ source: this.sourceId, stream: name, reason: err.reason }, 'Entra initial round reset by Graph; starting it over');
        from = this.restartUrl(name, err.location);
      }
    }
  }

  /** Drops msal (and its cached token); the next run reads the secret again. */
  async close(): Promise<void> {
    this.msal = null;
  }
}
