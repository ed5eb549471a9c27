/** A decision-log entry as stored: indexed fields, the canonical record JSON, its hash-chain link. */
export interface DecisionLogEntry {
  readonly decisionId: string;
  readonly at: number;
  readonly subject: string;
  readonly principalId: string | null;
  readonly route: string;
  readonly decision: string;
  readonly record: string;
  readonly prevHash: string;
  readonly hash: string;
}
