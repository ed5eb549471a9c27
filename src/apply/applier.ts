import type { SourceView } from '../../connectors/connector.js';
import type { ChangeSet } from '../model/change-set.js';
import type { SourceBatch } from '../model/source-delta.js';
import type { RoleStateVersion, VersionTrigger } from '../model/role-state-version.js';
import type { DecisionConfig } from '../model/decision-config.js';
import { RosterError } from '../errors/roster-error.js';
import { applyResolutionPatch, patchFromFull, resolveFull, resolveIncremental, type MutableResolvedState, type ResolutionPatch } from '../resolve/resolve-state.js';
import type { RoleIndex } from '../resolve/role-index.js';
import { splitAccountKey } from '../resolve/account-key.js';
import { LinkIndex, linkKeys } from '../resolve/link-index.js';
import type { Principal } from '../model/principal.js';
import type { ResolveRules } from '../resolve/resolve-rules.js';
import type { RoleStore } from '../store/role-store.js';
import type { ApplyResult } from './apply-result.js';
import { diffDelta } from './diff-delta.js';
import { diffFullSnapshot } from './diff-full-snapshot.js';
import { diffResolved } from './diff-resolved.js';
import { loadCaches } from './load-caches.js';
import { applyRawDiff, emptyRawDiff, type RawDiff } from './raw-diff.js';
import type { ResolvedCache } from './resolved-cache.js';
import type { RoleSnapshot } from './role-snapshot.js';
import { SourceCache } from './source-cache.js';
import { resolveChangeOf } from './resolve-change-of.js';
import { sourceChanges } from './source-changes.js';
import { deletionGuard, type DeletionGuardSettings } from './deletion-guard.js';

export interface ApplyInput {
  readonly source: string;
  readonly kind: 'full' | 'delta';
  readonly batches: AsyncIterable<SourceBatch>;
  /** Read after the batches are consumed; undefined keeps the stored cursor. */
  readonly cursor?: () => string | null | undefined;
  readonly trigger: VersionTrigger;
  readonly dryRun?: boolean;
  /** Releases the empty-snapshot guard for this run. */
  readonly acceptDeletions?: boolean;
  /** Hold a version that removes too much (the source's mass-deletion guard); ignored with acceptDeletions. */
  readonly guard?: DeletionGuardSettings;
}

/**
 * The applier: turns a source's run into at most one role-state version. It diffs the run
 * against the cached current state, resolves all sources, diffs the resolution, and commits the
 * whole change set (with the cursor) in one store transaction. Applies are serialized; a failed
 * commit reverts the in-memory cache, so the store and the cache never disagree.
 */
export class Applier {
  private readonly sources: Map<string, SourceCache>;
  /** The committed resolved state, serialized as the store has it. */
  private resolved: ResolvedCache;
  /** The live resolved state (patched in place after each commit) and the role index behind it. */
  private state: MutableResolvedState;
  private roleIndex: RoleIndex;
  /**
   * A whole resolution not yet committed: set at start and on rule changes, so the next commit
   * resolves everything again and diffs every principal against the store, not only the dirty ones.
   */
  private pendingFull: boolean;
  /** Link values and identifier owners, so linking after a change is incremental. */
  private linkIndex: LinkIndex;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners: ((s: RoleSnapshot) => void)[] = [];

  constructor(
    private readonly store: RoleStore,
    private rules: ResolveRules,
    private readonly now: () => number,
  ) {
    const caches = loadCaches(store.loadCurrent());
    this.sources = caches.sources;
    this.resolved = caches.resolved;
    const full = resolveFull(this.sources, rules, this.resolved.links);
    // Serve this resolution at once; the first commit writes whatever of it the store lacks.
    this.state = full.state;
    this.roleIndex = full.roleIndex;
    this.linkIndex = LinkIndex.build(this.sources, rules.linking, full.state.principals.values());
    this.pendingFull = true;
  }

  /** Called after every commit (and once by `snapshot()` users at start) with the new state. */
  onCommit(listener: (s: RoleSnapshot) => void): void {
    this.listeners.push(listener);
  }

  snapshot(): RoleSnapshot {
    return { version: this.store.history.latestVersion(), state: this.state };
  }

  /** A live read-only view of one source's committed data (for push connectors). */
  view(source: string): SourceView {
    const cache = this.sourceCache(source);
    return {
      accounts: cache.accounts,
      groups: cache.groups,
      members: (groupId) => cache.membersOf(groupId).map((k) => ({ memberType: k.startsWith('a:') ? ('account' as const) : ('group' as const), memberId: k.slice(2) })),
      groupsOf: (accountId) => [...(cache.accountGroups.get(accountId) ?? [])],
    };
  }

  apply(input: ApplyInput): Promise<ApplyResult> {
    return this.serialize(() => this.applyNow(input));
  }

  /** Re-resolves with new rules (config reload); commits a `manual` version if roles changed. */
  setRules(rules: ResolveRules): Promise<ApplyResult> {
    return this.serialize(async () => {
      const previous = { rules: this.rules, pendingFull: this.pendingFull };
      this.rules = rules;
      this.pendingFull = true;
      try {
        return await this.commitDiff('config', emptyRawDiff(), { trigger: 'manual' });
      } catch (err) {
        ({ rules: this.rules, pendingFull: this.pendingFull } = previous);
        throw err;
      }
    });
  }

  /**
   * A configuration reload: when the job runs (after any sync queued before it), re-resolves if
   * `rules` differ from those in use, and commits `config()` (read then: the newest policy file)
   * in the same transaction as the grants the new rules give, so no moment has new roles or
   * policy with old grants or the reverse. If anything throws, nothing is recorded and the rules
   * in use stay. Returns the new version if grants changed.
   */
  reconfigure(rules: ResolveRules, config: () => DecisionConfig): Promise<RoleStateVersion | null> {
    return this.serialize(async () => {
      const decisionConfig = config();
      if (JSON.stringify(rules) === JSON.stringify(this.rules)) {
        this.store.recordDecisionConfig(decisionConfig, this.now());
        return null;
      }
      const previous = { rules: this.rules, pendingFull: this.pendingFull };
      this.rules = rules;
      this.pendingFull = true;
      const progress = { committed: false };
      try {
        return (await this.commitDiff('config', emptyRawDiff(), { trigger: 'manual', decisionConfig, progress })).version;
      } catch (err) {
        // Only an uncommitted change is undone: after the commit, the new rules are in force.
        if (!progress.committed) ({ rules: this.rules, pendingFull: this.pendingFull } = previous);
        throw err;
      }
    });
  }

  private serialize<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    // Settle to undefined either way: `run.catch()` would pass the result through, and the
    // queue would hold the last change set (400 MB after a 100k-user initial sync) until the next.
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async applyNow(input: ApplyInput): Promise<ApplyResult> {
    const cache = this.sourceCache(input.source);
    let diff: RawDiff;
    if (input.kind === 'full') {
      const full = await diffFullSnapshot(input.source, cache, input.batches);
      if (full.accountsSeen === 0 && cache.accounts.size > 0 && !input.acceptDeletions) {
        throw new RosterError('ROSTER_ERR_SYNC_EMPTY_SNAPSHOT', { source: input.source, current: cache.accounts.size });
      }
      diff = full.diff;
    } else {
      diff = await diffDelta(input.source, cache, input.batches);
    }
    const cursor = input.cursor?.();
    return this.commitDiff(input.source, diff, { trigger: input.trigger, cursor, dryRun: input.dryRun, guard: input.acceptDeletions ? undefined : input.guard });
  }

  private async commitDiff(
    source: string,
    diff: RawDiff,
    opts: { trigger: VersionTrigger; cursor?: string | null | undefined; dryRun?: boolean | undefined; guard?: DeletionGuardSettings | undefined; decisionConfig?: DecisionConfig; progress?: { committed: boolean } },
  ): Promise<ApplyResult> {
    const cache = this.sourceCache(source);
    const accountsBefore = cache.accounts.size;
    const raw = sourceChanges(source, cache, diff);
    // A pending whole resolution does not need to know what changed (and for an initial apply
    // that is every account and a million memberships).
    const change = this.pendingFull ? null : resolveChangeOf(source, cache, diff);
    const undo = applyRawDiff(cache, diff);
    let committed = false;
    try {
      // A pending whole resolution is redone over the new data; otherwise only what changed.
      const patch = change
        ? resolveIncremental(this.state, this.roleIndex, this.sources, this.rules, change, this.linkIndex)
        : patchFromFull(resolveFull(this.sources, this.rules, this.resolved.links, { ambiguity: false }), this.resolved.principalDigest.keys());
      const { changes: resolvedChanges, updateCache } = diffResolved(this.resolved, this.state, patch, this.pendingFull);
      const changes: ChangeSet = { source, trigger: opts.trigger, committedAt: this.now(), ...raw, ...resolvedChanges };
      const conflicts = patch.conflicts;
      if (opts.guard) {
        let grantsBefore = 0;
        for (const g of this.state.grants.values()) grantsBefore += g.size;
        const held = deletionGuard(changes, { accounts: accountsBefore, grants: grantsBefore }, opts.guard);
        if (held) throw new RosterError('ROSTER_ERR_SYNC_HELD', { source, ...held, maxPercent: opts.guard.maxPercent });
      }
      if (opts.dryRun) return { source, version: null, changes, conflicts, dryRun: true };
      const version = this.store.commit(changes, { source, at: changes.committedAt, cursor: opts.cursor }, opts.decisionConfig);
      committed = true;
      if (opts.progress) opts.progress.committed = true;
      updateCache();
      // The principals as they were, for the link index (a rebuild after a full relink needs none).
      const before = patch.relinked === null ? null : new Map([...patch.principals.keys()].map((pid) => [pid, this.state.principals.get(pid)]));
      applyResolutionPatch(this.state, patch);
      this.updateLinkIndex(patch, before);
      this.roleIndex = patch.roleIndex;
      this.pendingFull = false;
      if (version) {
        const snap: RoleSnapshot = { version, state: this.state, changed: patch.principals.keys() };
        for (const l of this.listeners) l(snap);
      }
      return { source, version, changes, conflicts, dryRun: false };
    } finally {
      if (!committed) applyRawDiff(cache, undo);
    }
  }

  /** Brings the link index up to the committed state and derives the ambiguity conflicts from it. */
  private updateLinkIndex(patch: ResolutionPatch, before: ReadonlyMap<string, Principal | undefined> | null): void {
    if (patch.relinked === null || before === null) {
      this.linkIndex = LinkIndex.build(this.sources, this.rules.linking, this.state.principals.values());
    } else {
      for (const key of patch.relinked) {
        const { source, externalId } = splitAccountKey(key);
        const account = this.sources.get(source)?.accounts.get(externalId);
        this.linkIndex.setAccount(key, account ? linkKeys(source, account, this.rules.linking) : null);
      }
      for (const [pid, old] of before) this.linkIndex.setPrincipal(pid, old, this.state.principals.get(pid));
    }
    this.state.conflicts = [...patch.conflicts, ...this.linkIndex.ambiguousConflicts()];
  }

  private sourceCache(source: string): SourceCache {
    let c = this.sources.get(source);
    if (!c) this.sources.set(source, (c = new SourceCache()));
    return c;
  }
}
