import type { Decision, DecisionRequest } from './decision.js';

/** One entry of the decision log: the request as given, the answer, and when. */
export interface DecisionRecord {
  readonly decisionId: string;
  /** ms since the epoch. */
  readonly at: number;
  readonly request: DecisionRequest;
  readonly decision: Decision;
  /** The decision settings (role ranks, staleness limits) decided with, as the store numbers them. */
  readonly settingsVersion?: number;
}
