import type { AuthorizedBy } from '../model/decision.js';

/** A decision record as the log stores it (see record-json.ts), parsed back. */
export interface StoredRecord {
  readonly decisionId: string;
  readonly at: number;
  readonly subject: { readonly id: string; readonly issuer: string | null; readonly kind?: string | null };
  readonly route: string;
  readonly method: string | null;
  readonly action: string | null;
  readonly resource: Readonly<Record<string, string>> | null;
  readonly context: Readonly<Record<string, unknown>> | null;
  readonly decision: 'allow' | 'deny';
  readonly reason: string;
  readonly principal: string | null;
  readonly roles: readonly string[];
  readonly authorizedBy: AuthorizedBy | null;
  readonly roleStateVersion: number;
  readonly policyVersion: string;
  readonly staleness_s: number | null;
  /** The decision settings decided with (absent in records from before they were versioned). */
  readonly settingsVersion?: number | null;
}

export const parseStoredRecord = (json: string): StoredRecord => JSON.parse(json) as StoredRecord;
