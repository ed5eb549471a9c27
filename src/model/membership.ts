export type MemberType = 'account' | 'group';

/** A direct membership inside one source: an account or a group is a member of a group. */
export interface Membership {
  readonly groupId: string;
  readonly memberType: MemberType;
  readonly memberId: string;
}
