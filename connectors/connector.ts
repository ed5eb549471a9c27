/**
 * The connector contract. A connector talks to one directory and hands normalized batches to
 * Roster; it never touches the store. Poll connectors are asked for a run; push connectors
 * (SCIM) hand writes to a sink that commits them before the connector answers its client.
 */
import type { Account } from '../src/model/account.js';
import type { Group } from '../src/model/group.js';
import type { Membership } from '../src/model/membership.js';
import type { SourceBatch } from '../src/model/source-delta.js';

export type { SourceBatch };

export interface SyncRequest {
  /** The cursor committed with the last successful apply of this source, or null. */
  readonly cursor: string | null;
  /** `full` forces a full snapshot (first run, reconcile, operator request). */
  readonly mode: 'full' | 'incremental';
  readonly signal: AbortSignal;
  /** Reports progress of long runs (items read, rate-limit waits) for logs and `roster status`. */
  readonly progress: (p: SyncProgress) => void;
  /** Injected clock (ms since the epoch), so connectors are testable. */
  readonly now: () => number;
}

export interface SyncProgress {
  readonly items: number;
  readonly waits?: number;
  readonly waitedMs?: number;
  readonly note?: string;
}

/**
 * One run's output. `batches` is iterated once; `cursor()` is read after the iteration ends and
 * is committed in the same transaction as the data. A run that throws commits nothing.
 */
export interface SyncRun {
  readonly kind: 'full' | 'delta';
  readonly batches: AsyncIterable<SourceBatch>;
  cursor(): string | null;
}

export interface PollConnector {
  readonly sourceId: string;
  sync(request: SyncRequest): Promise<SyncRun>;
  close?(): Promise<void>;
}

/**
 * What a push connector writes through. `apply` resolves once the change is committed (durable);
 * writes arriving within a few milliseconds are coalesced into one role-state version. A batch
 * that fails (e.g. a guard holds it) rejects, and nothing of it is applied.
 */
export interface PushSink {
  apply(batch: SourceBatch): Promise<{ readonly version: number | null }>;
  /** The source's committed data, read-only (a live view: do not keep or mutate it). */
  view(): SourceView;
}

/** A read-only view of one source's committed accounts, groups and direct memberships. */
export interface SourceView {
  readonly accounts: ReadonlyMap<string, Account>;
  readonly groups: ReadonlyMap<string, Group>;
  /** Direct members of a group. */
  members(groupId: string): readonly Omit<Membership, 'groupId'>[];
  /** Groups an account is directly in. */
  groupsOf(accountId: string): readonly string[];
}

export interface PushConnector {
  readonly sourceId: string;
  start(sink: PushSink): Promise<void>;
  stop(): Promise<void>;
}

/** Resolves a secret reference from the config; the value is never logged. */
export type SecretReader = (ref: SecretRef) => string;
export type SecretRef = { readonly file: string } | { readonly env: string };

/** What a factory gets besides its validated options. */
export interface ConnectorContext {
  readonly sourceId: string;
  /** Directory of the config file; relative paths in options resolve against it. */
  readonly baseDir: string;
  readonly readSecret: SecretReader;
  readonly log: ConnectorLog;
}

export interface ConnectorLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** A connector type: its options schema (validated at config load) and how to build one. */
export interface ConnectorFactory<Options = unknown> {
  readonly kind: 'poll' | 'push';
  /** Validates raw `options`; throws a zod error whose issue paths are relative to `options`. */
  parseOptions(raw: unknown): Options;
  create(options: Options, ctx: ConnectorContext): PollConnector | PushConnector;
}
