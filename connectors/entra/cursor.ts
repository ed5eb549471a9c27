/**
 * The cursor an Entra source hands back with each run: opaque to the core, JSON here. It holds
 * the whole `@odata.deltaLink` of every delta stream (Graph encodes the $select and the state
 * token in it), the app-role groups last delivered (app-role assignments have no delta query, so
 * a role that disappears is found by comparison), and a fingerprint of the options the links were
 * made under. It is committed with the run's data, so a failed run leaves the previous one.
 */
export interface EntraCursor {
  readonly v: 1;
  /** optionsFingerprint() of the options the links were made under. */
  readonly fp: string;
  readonly users: string;
  readonly groups: string;
  readonly servicePrincipals: string | null;
  /** External ids of the app-role groups delivered (`approle:<appRoleId>`). */
  readonly appRoleGroups: readonly string[];
}

export const CURSOR_VERSION = 1;

export const encodeCursor = (c: EntraCursor): string => JSON.stringify(c);

/** The stored cursor, or null when there is none or it is not one this version understands. */
export function decodeCursor(raw: string | null): EntraCursor | null {
  if (!raw) return null;
  let c: unknown;
  try {
    c = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof c !== 'object' || c === null) return null;
  const x = c as Record<string, unknown>;
  const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
  if (x.v !== CURSOR_VERSION || !str(x.fp) || !str(x.users) || !str(x.groups)) return null;
  if (x.servicePrincipals !== null && !str(x.servicePrincipals)) return null;
  if (!Array.isArray(x.appRoleGroups) || !x.appRoleGroups.every(str)) return null;
  return c as EntraCursor;
}
