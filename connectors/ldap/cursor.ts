/**
 * The cursor an LDAP source hands back with each run: opaque to the core, JSON with a format
 * version here. It is committed with the run's data, so a failed run leaves the previous one.
 *
 * - entryCSN (OpenLDAP): `csn` is the database's contextCSN read when the run started; the next
 *   run asks for `(entryCSN>=csn)` and skips the entries in `atMark` (already delivered, with
 *   exactly that CSN), since LDAP filters have >= but no >.
 * - modifyTimestamp: `ts` is the newest modifyTimestamp seen; the next run re-reads an overlap.
 * - usnChanged (AD): the highestCommittedUSN of domain controller `dc` (with its invocationId)
 *   read when the run started; another DC or a restored one (new invocationId) means a full run.
 */
export type LdapCursor =
  | { readonly v: 1; readonly kind: 'entryCSN'; readonly csn: string; readonly atMark: readonly string[] }
  | { readonly v: 1; readonly kind: 'modifyTimestamp'; readonly ts: string }
  | { readonly v: 1; readonly kind: 'usnChanged'; readonly dc: string; readonly invocationId: string; readonly usn: string };

export const CURSOR_VERSION = 1;

export const encodeCursor = (c: LdapCursor): string => JSON.stringify(c);

/** The stored cursor, or null when there is none or it is not one this version understands. */
export function decodeCursor(raw: string | null): LdapCursor | null {
  if (!raw) return null;
  let c: unknown;
  try {
    c = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof c !== 'object' || c === null || (c as { v?: unknown }).v !== CURSOR_VERSION) return null;
  const x = c as Record<string, unknown>;
  const str = (k: string): boolean => typeof x[k] === 'string' && (x[k] as string).length > 0;
  switch (x.kind) {
    case 'entryCSN':
      return str('csn') && Array.isArray(x.atMark) && x.atMark.every((s) => typeof s === 'string') ? (c as LdapCursor) : null;
    case 'modifyTimestamp':
      return str('ts') ? (c as LdapCursor) : null;
    case 'usnChanged':
      return str('dc') && str('invocationId') && str('usn') && /^\d+$/.test(x.usn as string) ? (c as LdapCursor) : null;
    default:
      return null;
  }
}

/** GeneralizedTime (`20260101120000Z`, `20260101120000.0Z`) to ms since the epoch, or NaN. */
export function parseGeneralizedTime(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:[.,]\d+)?Z$/.exec(s);
  if (!m) return NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
}

export function formatGeneralizedTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}
