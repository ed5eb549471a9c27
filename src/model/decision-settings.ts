/**
 * What a decision depends on besides the role state and the policy: each role's rank (which
 * `highest-privilege` combining and the authorizing role depend on; the names are also what a
 * policy is compiled against) and each source's staleness limit. Versioned in the store beside
 * the policy: the decision process decides with the latest recorded settings and each decision
 * record names them, so replay and compliance use what was in force.
 */
export interface DecisionSettings {
  /** The store's id for these settings; absent for settings taken from a configuration unrecorded. */
  readonly version?: number;
  /** Role name -> rank. */
  readonly ranks: ReadonlyMap<string, number>;
  /** Source id -> maxStaleness (ms). */
  readonly maxStaleness: ReadonlyMap<string, number>;
}
