/** A distinct policy text, keyed by `sha256:<hex>` of its bytes. */
export interface PolicyVersion {
  readonly hash: string;
  readonly firstSeenAt: number;
  readonly text: string;
}
