import type { GrantPath } from '../model/grant-path.js';
import { RosterError } from '../errors/roster-error.js';
import type { SqliteRoleStore } from '../store/sqlite-role-store.js';

export interface TimelineEvent {
  readonly principalId: string;
  readonly role: string;
  /** `regranted`: still held, through another group chain or rule from this version on. */
  readonly change: 'gained' | 'lost' | 'regranted';
  readonly version: number;
  /** Commit time of the version (null when compaction removed that version's row). */
  readonly at: number | null;
  readonly source: string | null;
  readonly trigger: string | null;
  /** The grant path gained (or, for `lost`, the one that ended). */
  readonly path: GrantPath;
}

export interface Timeline {
  readonly subject: string;
  readonly principals: readonly string[];
  readonly events: readonly TimelineEvent[];
}

/**
 * Every role a subject gained and lost over the whole kept history: the identifier is resolved
 * to every principal that ever carried it, and each principal's grant intervals are read in one
 * index seek and turned into events (adjacent intervals of one role are a change of path).
 */
export function timeline(store: SqliteRoleStore, subject: string, issuer?: string): Timeline {
  const principals = store.compliance.principalsEverNamed(subject, issuer);
  if (principals.length === 0) throw new RosterError('ROSTER_ERR_SUBJECT_UNKNOWN', { subject, when: ' in any kept version' });
  const raw: Omit<TimelineEvent, 'at' | 'source' | 'trigger'>[] = [];
  for (const principalId of principals) {
    const rows = store.compliance.grantIntervals(principalId);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const prev = rows[i - 1]?.role === row.role ? rows[i - 1] : undefined;
      const next = rows[i + 1]?.role === row.role ? rows[i + 1] : undefined;
      raw.push({ principalId, role: row.role, change: prev?.toV === row.fromV ? 'regranted' : 'gained', version: row.fromV, path: row.path });
      if (row.toV !== null && next?.fromV !== row.toV) raw.push({ principalId, role: row.role, change: 'lost', version: row.toV, path: row.path });
    }
  }
  const versions = new Map<number, ReturnType<typeof store.history.version>>();
  const events = raw
    .sort((a, b) => a.version - b.version || cmp(a.principalId, b.principalId) || cmp(a.role, b.role) || (a.change === 'lost' ? 0 : 1) - (b.change === 'lost' ? 0 : 1))
    .map((e) => {
      if (!versions.has(e.version)) versions.set(e.version, store.history.version(e.version));
      const v = versions.get(e.version) ?? null;
      return { ...e, at: v?.committedAt ?? null, source: v?.source ?? null, trigger: v?.trigger ?? null };
    });
  return { subject, principals, events };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
