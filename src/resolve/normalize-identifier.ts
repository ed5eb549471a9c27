import type { IdentifierKind } from '../model/identifier.js';

/** Kinds that directories compare case-insensitively; their values are lower-cased. */
const CASE_INSENSITIVE: ReadonlySet<IdentifierKind> = new Set<IdentifierKind>([
  'email',
  'upn',
  'dn',
  'uid',
  'objectId',
  'login',
]);

export const isCaseInsensitive = (kind: IdentifierKind): boolean => CASE_INSENSITIVE.has(kind);

/** Canonical form of an identifier value, so equal identifiers compare equal. */
export function normalizeIdentifier(kind: IdentifierKind, value: string): string {
  const trimmed = value.trim();
  if (kind === 'dn') return normalizeDn(trimmed);
  return CASE_INSENSITIVE.has(kind) ? trimmed.toLowerCase() : trimmed;
}

/** Lower-cases a DN and drops blanks around separators: `CN=A, OU=B` -> `cn=a,ou=b`. */
export function normalizeDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) => rdn.split(/(?<!\\)=/).map((p) => p.trim()).join('='))
    .join(',')
    .toLowerCase();
}
