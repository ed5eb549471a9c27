import { readFileSync } from 'node:fs';
import { parseStoredRecord } from '../audit/stored-record.js';
import { verifyChain, type VerifyResult } from '../audit/verify-chain.js';
import { parseHeads, verifyHeads, type HeadCheck } from '../audit/verify-heads.js';
import { decisionSettingsOf } from '../config/decision-settings-of.js';
import type { RosterConfig } from '../config/roster-config.js';
import type { DecisionSettings } from '../model/decision-settings.js';
import { RosterError } from '../errors/roster-error.js';
import type { DecisionLogRow } from '../store/decision-log-row.js';
import type { DecisionSearch } from '../store/decision-log-queries.js';
import { GENESIS_HASH, type DecisionLogStore } from '../store/decision-log-store.js';
import type { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { accessReview, type AccessReview } from './access-review.js';
import { pointInTime, settingsAt } from './point-in-time.js';
import { replayDecision, type ReplayResult } from './replay-decision.js';
import { timeline, type Timeline } from './timeline.js';
import { whoCould, type RequestShape, type WhoCouldResult } from './who-could.js';

export type At = { readonly time: number } | { readonly version: number };

/**
 * The compliance queries over read-only handles of the role store and the decision log: what
 * the CLI commands and the admin socket both answer, so they never disagree.
 */
export class ComplianceService {
  /** Only for a store where no decision settings were ever recorded (see settingsAt). */
  private readonly configured: DecisionSettings;

  constructor(
    config: Pick<RosterConfig, 'roles' | 'sources'>,
    readonly store: SqliteRoleStore,
    readonly log: DecisionLogStore | null,
    private readonly now: () => number = Date.now,
  ) {
    this.configured = decisionSettingsOf(config);
  }

  whoCould(request: RequestShape, at: At = { time: this.now() }): WhoCouldResult {
    return whoCould(this.store, pointInTime(this.store, at, this.configured), request);
  }

  timeline(subject: string, issuer?: string): Timeline {
    return timeline(this.store, subject, issuer);
  }

  accessReview(role: string, at: At = { time: this.now() }): AccessReview {
    const { version, settings } = pointInTime(this.store, at, this.configured);
    if (!settings.ranks.has(role)) throw new RosterError('ROSTER_ERR_ROLE_UNKNOWN', { role });
    const log = this.log;
    return accessReview(this.store, role, version, (ids) => log?.queries.lastDecisionsAt(ids) ?? new Map());
  }

  search(filter: DecisionSearch): { records: unknown[]; next: number | null } {
    const rows = this.requireLog().queries.search(filter);
    return { records: rows.map(withChain), next: rows.length === filter.limit ? rows[rows.length - 1]!.seq : null };
  }

  /** Walks the chain (from the compaction anchor or the genesis when no window is given) and, given a head file, checks the recorded heads. */
  verify(opts: { since?: number; until?: number; headsFile?: string }): { chain: VerifyResult; heads: HeadCheck | null } {
    const log = this.requireLog();
    const anchor = log.queries.anchor();
    const whole = opts.since === undefined;
    const chain = verifyChain(log.scan({ since: opts.since, until: opts.until }), whole ? (anchor?.hash ?? GENESIS_HASH) : null, whole ? (anchor?.seq ?? 0) + 1 : null);
    let heads: HeadCheck | null = null;
    if (opts.headsFile) {
      const recorded = parseHeads(readFileSync(opts.headsFile, 'utf8'));
      heads = verifyHeads(recorded, (seq) => log.queries.hashAt(seq), log.head()?.seq ?? anchor?.seq ?? 0, anchor);
    }
    return { chain, heads };
  }

  replay(decisionId: string): ReplayResult {
    const row = this.requireLog().byId(decisionId);
    if (!row) throw new RosterError('ROSTER_ERR_DECISION_UNKNOWN', { decisionId });
    const record = parseStoredRecord(row.record);
    // The settings the record names (the decision process may take up a change a moment after it
    // was recorded); records from before they were named, or whose settings were compacted, by time.
    const named = record.settingsVersion != null ? this.store.decisionSettings.byVersion(record.settingsVersion) : null;
    return replayDecision(this.store, record, named ?? settingsAt(this.store, record.at, this.configured));
  }

  private requireLog(): DecisionLogStore {
    if (!this.log) throw new RosterError('ROSTER_ERR_STORE_OPEN', { path: 'the decision log', cause: 'it does not exist (decisionLog.mode is off, or no decision was recorded yet)' });
    return this.log;
  }
}

const withChain = (r: DecisionLogRow): unknown => ({ seq: r.seq, hash: r.hash, prevHash: r.prevHash, ...parseStoredRecord(r.record) });
