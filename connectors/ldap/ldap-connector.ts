import type { ConnectorContext, PollConnector, SourceBatch, SyncRequest, SyncRun } from '../connector.js';
import type { LdapOptions } from './config.js';
import { openSession, type LdapSession } from './connection.js';
import { decodeCursor, encodeCursor, formatGeneralizedTime, parseGeneralizedTime, type LdapCursor } from './cursor.js';
import { deltaRun, type DeltaPlan } from './delta-sync.js';
import { DirectoryIndex } from './directory-index.js';
import type { EntryView } from './entry.js';
import { emptyStats, fullSnapshot, type RunStats } from './full-sync.js';
import { EntryMapper } from './map-entry.js';
import type { SearchContext } from './search.js';
import { readContextCsn, readDcState } from './watermark.js';

/** What one run will do, decided after connecting and reading the server's high-water mark. */
interface Plan {
  readonly kind: 'full' | 'delta';
  /** Why (for the log). */
  readonly reason: string;
  /** For a delta: what changed; an empty delta when the server's mark did not move. */
  readonly delta?: DeltaPlan | 'nothing-changed';
  /** Sees every delivered entry; `cursor()` is read after the batches are consumed. */
  readonly see: (e: EntryView, id: string) => void;
  readonly cursor: () => string | null;
}

/**
 * The `ldap` poll connector (OpenLDAP and Active Directory). Each run opens one bound
 * connection (failing over across `urls`), decides full or incremental from the stored cursor and
 * the server's state, and streams batches page by page. The DN -> id index built by a full run
 * is kept between runs so incremental runs can resolve member DNs without re-reading everyone.
 */
export class LdapConnector implements PollConnector {
  private index: DirectoryIndex | null = null;
  private readonly sessions = new Set<LdapSession>();
  private readonly mapper: EntryMapper;

  constructor(
    readonly sourceId: string,
    private readonly o: LdapOptions,
    private readonly ctx: ConnectorContext,
  ) {
    this.mapper = new EntryMapper(o);
  }

  async sync(req: SyncRequest): Promise<SyncRun> {
    const started = req.now();
    const session = await openSession(this.o, this.ctx, req.signal);
    this.sessions.add(session);
    const sc: SearchContext = { session, options: this.o, ctx: this.ctx, signal: req.signal };
    let plan: Plan;
    try {
      plan = await this.plan(sc, req);
    } catch (err) {
      await this.release(session);
      throw err;
    }
    this.ctx.log.info({ source: this.sourceId, url: session.url, kind: plan.kind, reason: plan.reason }, 'LDAP sync started');
    const stats = emptyStats();
    const self = this;
    async function* batches(): AsyncGenerator<SourceBatch> {
      try {
        if (plan.kind === 'full') {
          yield* fullSnapshot(sc, self.mapper, stats, req.progress, plan.see, (index) => (self.index = index));
        } else if (plan.delta !== 'nothing-changed') {
          self.index ??= new DirectoryIndex(self.o.memberAttributes.some((m) => m.by === 'login'));
          yield* deltaRun(sc, self.mapper, self.index, plan.delta!, stats, req.progress, plan.see);
        }
        self.ctx.log.info({ source: self.sourceId, kind: plan.kind, ms: req.now() - started, ...stats }, 'LDAP sync read');
      } finally {
        await self.release(session);
      }
    }
    return { kind: plan.kind, batches: batches(), cursor: () => plan.cursor() };
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => this.release(s)));
  }

  private async release(s: LdapSession): Promise<void> {
    this.sessions.delete(s);
    await s.close();
  }

  private async plan(sc: SearchContext, req: SyncRequest): Promise<Plan> {
    const previous = req.mode === 'incremental' ? decodeCursor(req.cursor) : null;
    const why = req.mode === 'full' ? 'full run requested' : req.cursor === null ? 'no cursor yet' : previous === null ? 'cursor not understood' : '';
    const full = (reason: string, see: Plan['see'], cursor: Plan['cursor']): Plan => ({ kind: 'full', reason, see, cursor });
    const none = (): void => undefined;
    switch (this.o.incremental) {
      case 'none':
        return full('incremental: none', none, () => null);
      case 'entryCSN': {
        const csn = await readContextCsn(sc);
        if (csn === null) {
          this.ctx.log.warn({ source: this.sourceId }, 'no contextCSN on the suffix (is the syncprov overlay loaded?); every run will be a full run');
          return full(why || 'no contextCSN', none, () => null);
        }
        const atMark: string[] = [];
        const see = (e: EntryView, id: string): void => void (this.mapper.changeMark(e) === csn && atMark.push(id));
        const cursor = (): string => encodeCursor({ v: 1, kind: 'entryCSN', csn, atMark });
        if (previous?.kind !== 'entryCSN') return full(why || 'cursor of another strategy', see, cursor);
        if (csn < previous.csn) return full('contextCSN went backwards (database restored?)', see, cursor);
        // No shortcut when contextCSN did not move: after a crash syncprov's contextCSN can lag
        // behind the entries' entryCSNs (it is written at checkpoints), so always ask.
        const skipIds = new Set(previous.atMark);
        return {
          kind: 'delta',
          reason: `entryCSN >= ${previous.csn}`,
          delta: { changed: `(entryCSN>=${previous.csn})`, skip: (e, id) => skipIds.has(id) && this.mapper.changeMark(e) === previous.csn },
          see,
          cursor,
        };
      }
      case 'modifyTimestamp': {
        let newest = previous?.kind === 'modifyTimestamp' ? previous.ts : '';
        const see = (e: EntryView): void => {
          const ts = this.mapper.changeMark(e);
          if (ts && parseGeneralizedTime(ts) > (parseGeneralizedTime(newest) || 0)) newest = ts;
        };
        const cursor = (): string | null => (newest ? encodeCursor({ v: 1, kind: 'modifyTimestamp', ts: newest }) : null);
        if (previous?.kind !== 'modifyTimestamp') return full(why || 'cursor of another strategy', see, cursor);
        const from = formatGeneralizedTime(parseGeneralizedTime(previous.ts) - this.o.incrementalOverlapMs);
        return { kind: 'delta', reason: `modifyTimestamp >= ${from}`, delta: { changed: `(modifyTimestamp>=${from})` }, see, cursor };
      }
      case 'usnChanged': {
        const dc = await readDcState(sc);
        const next: LdapCursor = { v: 1, kind: 'usnChanged', dc: dc.dnsHostName, invocationId: dc.invocationId, usn: dc.highestCommittedUSN };
        const cursor = (): string => encodeCursor(next);
        if (previous?.kind !== 'usnChanged') return full(why || 'cursor of another strategy', none, cursor);
        if (previous.dc !== dc.dnsHostName) return full(`another domain controller (${dc.dnsHostName}, cursor from ${previous.dc})`, none, cursor);
        if (previous.invocationId !== dc.invocationId) return full(`invocationId of ${dc.dnsHostName} changed (restored from backup?)`, none, cursor);
        if (BigInt(dc.highestCommittedUSN) < BigInt(previous.usn)) return full('highestCommittedUSN went backwards', none, cursor);
        if (dc.highestCommittedUSN === previous.usn) return { kind: 'delta', reason: 'highestCommittedUSN unchanged', delta: 'nothing-changed', see: none, cursor };
        const from = (BigInt(previous.usn) + 1n).toString();
        const tombstones = this.o.showDeleted ? { base: dc.defaultNamingContext, filter: `(&(isDeleted=TRUE)(uSNChanged>=${from}))` } : undefined;
        return { kind: 'delta', reason: `uSNChanged >= ${from}`, delta: { changed: `(uSNChanged>=${from})`, ...(tombstones ? { tombstones } : {}) }, see: none, cursor };
      }
    }
  }
}
