/** The decision request of the gateway contract (ARCHITECTURE.md). */
export interface DecisionRequest {
  /**
   * `issuer`: the id is an OIDC `sub` of that issuer and binds only through it. `kind`: bind only
   * through identifiers of that kind (`principal` = a Roster principal id). Neither: any kind.
   */
  readonly subject: { readonly id: string; readonly issuer?: string; readonly kind?: string };
  readonly route: string;
  readonly method?: string;
  readonly action?: string;
  readonly resource?: Readonly<Record<string, string>>;
  readonly context?: Readonly<Record<string, unknown>>;
}

export type DecisionReason =
  | 'allowed_by_role'
  | 'denied_by_rule'
  | 'no_matching_rule'
  | 'unknown_subject'
  | 'inactive_subject'
  | 'ambiguous_subject'
  | 'stale_snapshot'
  | 'no_role_state'
  | 'invalid_request';

export interface AuthorizedBy {
  readonly role: string;
  readonly policy: string;
  readonly rule: string;
}

/** The answer, as the decision socket returns it. */
export interface Decision {
  readonly decision: 'allow' | 'deny';
  readonly reason: DecisionReason;
  readonly principal?: string;
  readonly roles: readonly string[];
  readonly authorizedBy?: AuthorizedBy;
  readonly roleStateVersion: number;
  readonly policyVersion: string;
  readonly decisionId?: string;
  readonly staleness_s?: number;
}
