/** When each source last synced successfully and how stale it may get; updated after every run. */
export type SourceFreshness = ReadonlyMap<string, { readonly lastSuccessAt: number | null; readonly maxStalenessMs: number }>;
