/** A decision-log row as stored: the canonical record JSON and its place in the hash chain. */
export interface DecisionLogRow {
  readonly seq: number;
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
