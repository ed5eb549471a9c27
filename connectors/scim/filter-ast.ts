/** The SCIM filter language as a tree (RFC 7644 §3.4.2.2), and attribute paths. */

/** `urn:…:User:name.givenName` -> { urn, attr: 'name', sub: 'givenName' }. */
export interface AttrPath {
  readonly urn?: string;
  readonly attr: string;
  readonly sub?: string;
}

export const COMPARE_OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export type CompValue = string | number | boolean | null;

export type Filter =
  | { readonly kind: 'and' | 'or'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'not'; readonly filter: Filter }
  | { readonly kind: 'present'; readonly path: AttrPath }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly path: AttrPath; readonly value: CompValue }
  /** `emails[type eq "work"]`: some element of a multi-valued attribute matches `filter`. */
  | { readonly kind: 'valuePath'; readonly path: AttrPath; readonly filter: Filter };

/** A PATCH target (RFC 7644 §3.5.2): `attrPath [ "[" valFilter "]" ] [ "." subAttr ]`. */
export interface PatchPath {
  readonly urn?: string;
  readonly attr: string;
  readonly filter?: Filter;
  readonly sub?: string;
}

export const pathToString = (p: { urn?: string; attr: string; sub?: string }): string =>
  `${p.urn ? `${p.urn}:` : ''}${p.attr}${p.sub ? `.${p.sub}` : ''}`;
