import type { GrantPath } from '../model/grant-path.js';
import type { SqliteRoleStore } from '../store/sqlite-role-store.js';

export interface RoleHolder {
  readonly principalId: string;
  readonly displayName: string;
  readonly status: string;
  /** Held without a break since this version (a change of path is not a break). */
  readonly sinceVersion: number;
  readonly since: number | null;
  readonly path: GrantPath;
  /** The time (ms) of the holder's newest record in the decision log, null if none is in it. */
  readonly lastDecisionAt: number | null;
}

export interface AccessReview {
  readonly role: string;
  readonly roleStateVersion: number;
  readonly holders: readonly RoleHolder[];
}

/** Current holders of a role for a periodic access review; the last decision comes from the log if there is one. */
export function accessReview(
  store: SqliteRoleStore,
  role: string,
  version: number,
  lastDecisionsAt: (principalIds: readonly string[]) => ReadonlyMap<string, number | null>,
): AccessReview {
  const holders: RoleHolder[] = [];
  const members = store.history.membersAt(role, version);
  const last = lastDecisionsAt(members.map((m) => m.principalId));
  const times = new Map<number, number | null>();
  for (const m of members) {
    const sinceVersion = store.compliance.heldSince(m.principalId, role, version) ?? m.since;
    if (!times.has(sinceVersion)) times.set(sinceVersion, store.history.version(sinceVersion)?.committedAt ?? null);
    const summary = store.compliance.summaryAt(m.principalId, version);
    holders.push({
      principalId: m.principalId,
      displayName: summary?.displayName ?? '',
      status: summary?.status ?? 'unknown',
      sinceVersion,
      since: times.get(sinceVersion) ?? null,
      path: m.path,
      lastDecisionAt: last.get(m.principalId) ?? null,
    });
  }
  return { role, roleStateVersion: version, holders };
}
