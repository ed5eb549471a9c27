/** Where the decision log writer commits batches (the decision-log store, handed in). */
export interface DecisionSink {
  lastHash(): string;
  append(
    rows: readonly {
      readonly decisionId: string;
      readonly at: number;
      readonly subject: string;
      readonly principalId: string | null;
      readonly route: string;
      readonly decision: string;
      readonly record: string;
      readonly prevHash: string;
      readonly hash: string;
    }[],
  ): void;
}
