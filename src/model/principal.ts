import type { AttributeValues } from './attribute-values.js';
import type { Identifier } from './identifier.js';
import type { PrincipalKind } from './principal-kind.js';
import type { PrincipalStatus } from './principal-status.js';

/** A reference to one account of one source. */
export interface AccountRef {
  readonly source: string;
  readonly externalId: string;
}

/**
 * A person or workload after identity linking: one or more accounts from one or more
 * sources. `id` (p_…) is stable across syncs.
 */
export interface Principal {
  readonly id: string;
  readonly kind: PrincipalKind;
  readonly status: PrincipalStatus;
  readonly displayName: string;
  readonly accounts: readonly AccountRef[];
  readonly identifiers: readonly Identifier[];
  /** Attributes per source, so attribute rules can be scoped to one source. */
  readonly attributes: Readonly<Record<string, AttributeValues>>;
}
