/** Something resolution refused to merge or decide silently; reported in logs and status. */
export interface Conflict {
  readonly kind: 'duplicate-identifier-in-source' | 'link-would-merge-same-source' | 'ambiguous-alias';
  readonly identifier: string;
  readonly accounts: readonly string[];
  readonly message: string;
}
