/**
 * Why a principal holds a role. For a group grant, `groups` is the chain from the group the
 * account is directly in up to the group the role is mapped to (names, in that order).
 */
export type GrantPath =
  | { readonly via: 'group'; readonly source: string; readonly groups: readonly string[] }
  | { readonly via: 'attribute'; readonly source: string; readonly condition: string }
  | { readonly via: 'static'; readonly source: 'config'; readonly identifier: string };
