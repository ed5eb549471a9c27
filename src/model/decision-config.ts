import type { DecisionSettings } from './decision-settings.js';

/**
 * What a configuration puts in force for decisions besides the role rules: the decision settings
 * and the policy (its text and hash; a configuration without a policy has the empty one).
 */
export interface DecisionConfig {
  readonly settings: DecisionSettings;
  readonly policy: { readonly hash: string; readonly text: string };
}
