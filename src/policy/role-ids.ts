/**
 * Small integer ids for role names, in name order, so the decision hot path indexes arrays
 * instead of hashing strings. The policy and the decision index derive them from the same
 * configured role list; `sameRoleIds` tells whether two mappings agree.
 */
export type RoleIds = ReadonlyMap<string, number>;

export function roleIdsOf(names: Iterable<string>): RoleIds {
  return new Map([...new Set(names)].sort().map((name, i) => [name, i]));
}

export function sameRoleIds(a: RoleIds, b: RoleIds): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
