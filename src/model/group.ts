/** A directory group as one source knows it; `externalId` is stable, `name` and `dn` may change. */
export interface Group {
  readonly externalId: string;
  readonly name: string;
  readonly dn?: string;
}
