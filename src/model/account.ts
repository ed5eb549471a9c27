import type { AttributeValues } from './attribute-values.js';
import type { Identifier } from './identifier.js';
import type { PrincipalKind } from './principal-kind.js';
import type { PrincipalStatus } from './principal-status.js';

/**
 * One account as one source knows it. `externalId` is the source's stable id
 * (entryUUID, objectGUID, Okta id, Entra object id...), never a renameable name.
 */
export interface Account {
  readonly externalId: string;
  readonly kind: PrincipalKind;
  readonly status: PrincipalStatus;
  readonly displayName?: string;
  readonly identifiers: readonly Identifier[];
  readonly attributes: AttributeValues;
}
