/** Per-source sync bookkeeping, persisted beside the data. */
export interface SyncStateRow {
  readonly source: string;
  readonly cursor: string | null;
  readonly lastSuccessAt: number | null;
  readonly lastAttemptAt: number | null;
  readonly lastError: string | null;
  readonly lastErrorAt: number | null;
  readonly consecutiveFailures: number;
  readonly lastVersion: number | null;
  /** JSON of the run in progress ({ items, waits, waitedMs, note, at }), or null. */
  readonly progress: string | null;
}
