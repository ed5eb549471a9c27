/** The kinds of identifier a gateway may present and a source may carry for an account. */
export const IDENTIFIER_KINDS = [
  'sub', // OIDC subject; value is `${issuer}|${sub}` so equal subs from two issuers never collide
  'email',
  'upn',
  'dn',
  'uid',
  'objectId',
  'clientId',
  'oktaId',
  'employeeId',
  'login',
] as const;

export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

/** One identifier of an account, e.g. { kind: 'email', value: 'alice@example.com' }. */
export interface Identifier {
  readonly kind: IdentifierKind;
  readonly value: string;
  /** Whether the source vouches for it (e.g. a verified email); linking rules may require it. */
  readonly verified?: boolean;
}
