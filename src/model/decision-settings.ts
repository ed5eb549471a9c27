/**
 * What a decision depends on besides the role state and the policy: each role's rank (which
 * `highest-privilege` combining and the authorizing role depend on; the names are also what a
 * policy is compiled against) and each source's staleness limit. Versioned in the store beside
 * the policy, so compliance answers with the settings in force at the time asked.
 */
export interface DecisionSettings {
  /** Role name -> rank. */
  readonly ranks: ReadonlyMap<string, number>;
  /** Source id -> maxStaleness (ms). */
  readonly maxStaleness: ReadonlyMap<string, number>;
}
