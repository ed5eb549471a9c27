import type { EntraOptions } from './config.js';
import type { GraphJson } from './graph-client.js';

/**
 * One directory object as Graph last described it: the selected properties, merged from every
 * appearance. Delta rounds may describe an updated object by its changed properties only
 * ("at least the properties that have been updated"), so an update is merged into what is known.
 */
export interface DirRecord {
  readonly id: string;
  readonly props: Record<string, unknown>;
  /** In the tenant's recycle bin (`@removed: { reason: 'changed' }`). */
  softDeleted: boolean;
}

export type StreamName = 'users' | 'servicePrincipals' | 'groups';

/** The properties each delta stream asks for (`$select`); Graph encodes them into its links. */
export function selectFor(stream: StreamName, o: EntraOptions): readonly string[] {
  switch (stream) {
    case 'users':
      return [...new Set(['id', 'displayName', 'userPrincipalName', 'mail', 'accountEnabled', 'userType', ...o.users.attributes])];
    case 'servicePrincipals':
      return ['id', 'appId', 'displayName', 'accountEnabled', 'servicePrincipalType', 'tags', 'appOwnerOrganizationId'];
    case 'groups':
      return ['id', 'displayName', 'groupTypes', 'securityEnabled', 'mailEnabled', 'members'];
  }
}

/** The Graph path of a stream's collection. */
export const STREAM_PATH: Readonly<Record<StreamName, string>> = {
  users: '/v1.0/users',
  servicePrincipals: '/v1.0/servicePrincipals',
  groups: '/v1.0/groups',
};

/** The initial (full) delta request of a stream. */
export const initialDeltaPath = (stream: StreamName, o: EntraOptions): string => `${STREAM_PATH[stream]}/delta?$select=${selectFor(stream, o).join(',')}`;

/** The id of a Graph object, or null when it has none (such an entry is skipped). */
export const idOf = (obj: GraphJson): string | null => (typeof obj.id === 'string' && obj.id.length > 0 ? obj.id : null);

/** `@removed.reason` of a delta entry: 'changed' (soft-deleted), 'deleted' (gone), or null. */
export function removedReason(obj: GraphJson): 'changed' | 'deleted' | null {
  const r = obj['@removed'];
  if (r === undefined || r === null) return null;
  return typeof r === 'object' && (r as { reason?: unknown }).reason === 'changed' ? 'changed' : 'deleted';
}

/** Merges an appearance into a record (properties only: no annotations, no navigation deltas). */
export function mergeInto(rec: DirRecord, obj: GraphJson): boolean {
  let any = false;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'id' || k.includes('@')) continue;
    rec.props[k] = v;
    any = true;
  }
  return any;
}

/** Whether a record carries every selected property (so it can be delivered without a re-read). */
export function isComplete(rec: DirRecord, select: readonly string[]): boolean {
  for (const k of select) if (k !== 'id' && k !== 'members' && !(k in rec.props)) return false;
  return true;
}

/** What Roster keeps of the directory between runs (built by a full round, patched by deltas). */
export class DirectoryMirror {
  users = new Map<string, DirRecord>();
  servicePrincipals = new Map<string, DirRecord>();
  groups = new Map<string, DirRecord>();

  of(stream: StreamName): Map<string, DirRecord> {
    return stream === 'users' ? this.users : stream === 'groups' ? this.groups : this.servicePrincipals;
  }

  replace(stream: StreamName, records: Map<string, DirRecord>): void {
    if (stream === 'users') this.users = records;
    else if (stream === 'groups') this.groups = records;
    else this.servicePrincipals = records;
  }
}
