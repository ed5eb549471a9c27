import type { Account } from './account.js';
import type { Group } from './group.js';
import type { Membership } from './membership.js';

/**
 * One batch of what a source reports. In a full snapshot only the upsert lists are used and
 * everything of the source that no batch mentions is removed. In a delta every list is an
 * explicit change; `replaceMembers` sets a group's whole direct member list (SCIM PUT, Okta
 * group re-read, Entra full member list).
 */
export interface SourceBatch {
  readonly accounts?: readonly Account[];
  readonly groups?: readonly Group[];
  readonly memberships?: readonly Membership[];
  readonly removedAccounts?: readonly string[];
  readonly removedGroups?: readonly string[];
  readonly removedMemberships?: readonly Membership[];
  readonly replaceMembers?: readonly {
    readonly groupId: string;
    readonly members: readonly Omit<Membership, 'groupId'>[];
  }[];
}
