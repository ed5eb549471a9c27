import type { ChangeSet } from '../model/change-set.js';
import type { SourceBatch } from '../model/source-delta.js';
import type { VersionTrigger } from '../model/role-state-version.js';
import { RosterError } from '../errors/roster-error.js';
import { resolveFull, resolveIncremental, type Resolution } from '../resolve/resolve-state.js';
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
  /** The in-memory resolution that matches `resolved` (after the first full diff). */
  private resolution: Resolution;
  /** Set at start and on rule changes: the next commit diffs every principal, not only dirty ones. */
  private diffAll = true;
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
    this.resolution = resolveFull(this.sources, rules, this.resolved.links);
  }

  /** Called after every commit (and once by `snapshot()` users at start) with the new state. */
  onCommit(listener: (s: RoleSnapshot) => void): void {
    this.listeners.push(listener);
  }

  snapshot(): RoleSnapshot {
    return { version: this.store.history.latestVersion(), state: this.resolution.state };
  }

  apply(input: ApplyInput): Promise<ApplyResult> {
    return this.serialize(() => this.applyNow(input));
  }

  /** Re-resolves with new rules (config reload); commits a `manual` version if roles changed. */
  setRules(rules: ResolveRules): Promise<ApplyResult> {
    return this.serialize(async () => {
      const previous = { rules: this.rules, resolution: this.resolution, diffAll: this.diffAll };
      this.rules = rules;
      this.resolution = resolveFull(this.sources, rules, this.resolved.links);
      this.diffAll = true;
      try {
        return await this.commitDiff('config', emptyRawDiff(), { trigger: 'manual' });
      } catch (err) {
        ({ rules: this.rules, resolution: this.resolution, diffAll: this.diffAll } = previous);
        throw err;
      }
    });
  }

  private serialize<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(input: ApplyInput): Promise<ApplyResult> {
    const cache = this.sourceCache(input.source);
    let diff: RawDiff;
    if (input.kind === 'full') {
      const full = await diffFullSnapshot(cache, input.batches);
      if (full.accountsSeen === 0 && cache.accounts.size > 0 && !input.acceptDeletions) {
        throw new RosterError('ROSTER_ERR_SYNC_EMPTY_SNAPSHOT', { source: input.source, current: cache.accounts.size });
      }
      diff = full.diff;
    } else {
      diff = await diffDelta(cache, input.batches);
    }
    const cursor = input.cursor?.();
    return this.commitDiff(input.source, diff, { trigger: input.trigger, cursor, dryRun: input.dryRun });
  }

  private async commitDiff(
    source: string,
    diff: RawDiff,
    opts: { trigger: VersionTrigger; cursor?: string | null | undefined; dryRun?: boolean | undefined },
  ): Promise<ApplyResult> {
    const cache = this.sourceCache(source);
    const raw = sourceChanges(source, cache, diff);
    const change = resolveChangeOf(source, cache, diff);
    const undo = applyRawDiff(cache, diff);
    let committed = false;
    try {
      const resolution = resolveIncremental(this.resolution, this.sources, this.rules, change);
      const dirty = this.diffAll ? 'all' : resolution.dirtyPrincipals;
      const { changes: resolvedChanges, after } = diffResolved(this.resolved, resolution.state, dirty);
      const changes: ChangeSet = { source, trigger: opts.trigger, committedAt: this.now(), ...raw, ...resolvedChanges };
      const conflicts = resolution.state.conflicts;
      if (opts.dryRun) return { source, version: null, changes, conflicts, dryRun: true };
      const version = this.store.commit(changes, { source, at: changes.committedAt, cursor: opts.cursor });
      committed = true;
      this.resolved = after;
      this.resolution = resolution;
      this.diffAll = false;
      if (version) {
        const snap: RoleSnapshot = { version, state: resolution.state };
        for (const l of this.listeners) l(snap);
      }
      return { source, version, changes, conflicts, dryRun: false };
    } finally {
      if (!committed) applyRawDiff(cache, undo);
    }
  }

  private sourceCache(source: string): SourceCache {
    let c = this.sources.get(source);
    if (!c) this.sources.set(source, (c = new SourceCache()));
    return c;
  }
}
