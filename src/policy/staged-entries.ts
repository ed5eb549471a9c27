import type { DecisionIndex, PreparedEntry, StagedEntry, SubjectEntry } from './decision-index.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The entry a decision reads for `e` under `index`: the staged one once the index has reached its
 * version. A follow stages a principal's new entry on the one the maps hold (stageEntry) while the
 * index keeps answering its own version, then moves the index to the new version in one
 * assignment, so every staged entry takes effect at once.
 */
export function entryAt(index: DecisionIndex, e: SubjectEntry): SubjectEntry {
  const s = e.staged;
  return s !== undefined && s.version <= index.roleStateVersion ? s.entry : e;
}

/**
 * Stages prepared entries on the entries the maps already hold, at `version`, when that needs no
 * map change (the identifier values are unchanged: nearly every principal of a version, which
 * moves roles and status). Returns the others (joins, leaves, changed identifiers), to be
 * applied to the maps in the step that moves the index to `version`. Nothing a decision at the
 * index's current version reads changes. Only for the answering index, settled (settleStaged);
 * no clone may share its entries meanwhile (see cloneDecisionIndex).
 */
export function stageEntries(index: DecisionIndex, version: number, prepared: readonly PreparedEntry[]): PreparedEntry[] {
  const rest: PreparedEntry[] = [];
  for (const p of prepared) {
    const old = index.principals.get(p.principalId);
    const entry = p.entry;
    if (entry !== null && keepsIdentifiers(old, entry)) {
      if (old.staged !== undefined) throw new Error(`stageEntries: ${p.principalId} has a staged entry already (settle first)`);
      (old as Writable<SubjectEntry>).staged = { version, entry } satisfies StagedEntry;
      index.unsettled.entries.push(old);
    } else rest.push(p);
  }
  return rest;
}

/**
 * Folds staged entries into the entries they were staged on, `count` at a time (the caller
 * yields between steps): a staged entry the index has reached becomes the entry's own state (a
 * decision reads the same either way); one it has not reached (a follow that failed before its
 * last step) is dropped. "Reached" is judged by the version the index was moved to (its shared
 * StagedList), not by the object given: settling an older object of the same index must not drop
 * entries the answering one reads.
 */
export function* settleStaged(index: DecisionIndex, count: number): Generator<void> {
  const list = index.unsettled.entries;
  const reached = Math.max(index.roleStateVersion, index.unsettled.reached);
  while (list.length > 0) {
    for (const e of list.splice(Math.max(0, list.length - count))) {
      const target = e as Writable<SubjectEntry>;
      const s = target.staged;
      target.staged = undefined;
      // Every field, so one added to SubjectEntry is folded too (the identifier values are equal: keepsIdentifiers).
      if (s !== undefined && s.version <= reached) Object.assign(target, s.entry, { staged: undefined });
    }
    yield;
  }
}

/**
 * Whether a principal's new entry keeps the identifier values of the one the maps hold (in
 * order): then it can be staged on it and needs no map change (see inPlaceCost).
 */
export function keepsIdentifiers(old: SubjectEntry | undefined, entry: SubjectEntry | null): old is SubjectEntry {
  if (old === undefined || entry === null) return false;
  const a = old.identifierValues;
  const b = entry.identifierValues;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
