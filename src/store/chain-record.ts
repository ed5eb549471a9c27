/** A decision-log record as the hash chain sees it: its place, its stored text and its links. */
export interface ChainRecord {
  readonly seq: number;
  readonly decisionId: string;
  readonly record: string;
  readonly prevHash: string;
  readonly hash: string;
}
