import type { IdentifierKind } from '../model/identifier.js';

/** Merge accounts of different sources that share an identifier of this kind. */
export interface LinkRule {
  readonly by: IdentifierKind;
  /** Only accounts of these sources take part (all when absent). */
  readonly sources?: readonly string[];
  /** Only identifiers the source marked verified count. */
  readonly requireVerified?: boolean;
}

export type GroupSelector = {
  readonly source: string;
  readonly name?: string;
  readonly dn?: string;
  readonly id?: string;
};

export type AttributeCondition = {
  readonly source?: string;
  readonly name: string;
  readonly equals?: string;
  readonly in?: readonly string[];
};

export type RoleSource =
  | { readonly group: GroupSelector }
  | { readonly attribute: AttributeCondition }
  /** Static assignment by identifier: `alice@example.com` or `kind:value` (e.g. `clientId:abc`). */
  | { readonly principals: readonly string[] };

export interface RoleDefinition {
  readonly name: string;
  readonly rank: number;
  readonly description?: string;
  readonly grantedBy: readonly RoleSource[];
}

export interface ResolveRules {
  readonly linking: readonly LinkRule[];
  readonly roles: readonly RoleDefinition[];
  /**
   * Sources whose groups named `role:<name>` grant role <name> directly (the static source's
   * `roles:` lists), after every configured `grantedBy` entry of that role.
   */
  readonly directRoleSources?: readonly string[];
}
