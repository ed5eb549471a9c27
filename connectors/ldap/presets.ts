/**
 * Preset defaults of the `ldap` source type. A source names one and overrides what differs.
 * Kept as plain data so docs/connectors/ldap.md can list them as they are.
 */
export type PresetName = 'openldap' | 'active-directory';

type StatusDefault =
  | { readonly attribute: string; readonly disabledBit: number }
  | { readonly attribute: string; readonly disabledValues: string[] }
  | { readonly attribute: string; readonly disabledWhenPresent: true }
  | null;

export interface Preset {
  readonly users: { readonly filter: string };
  readonly groups: { readonly filter: string };
  readonly attributes: {
    readonly id: string;
    readonly idFormat: 'string' | 'guid';
    readonly login: string | null;
    readonly loginKinds: ('uid' | 'login')[];
    readonly email: string | null;
    readonly emailVerified: boolean;
    readonly upn: string | null;
    readonly employeeId: string | null;
    readonly displayName: string | null;
    readonly groupName: string;
    readonly extra: string[];
  };
  readonly status: StatusDefault;
  readonly memberAttributes: readonly { readonly attribute: string; readonly by: 'dn' | 'login' }[];
  readonly memberRange: number | null;
  readonly incremental: 'entryCSN' | 'modifyTimestamp' | 'usnChanged' | 'none';
  readonly showDeleted: boolean;
  readonly memberOf: boolean;
  readonly references: 'fail' | 'ignore-partitions';
  readonly dnAttribute: string;
}

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  openldap: {
    users: { filter: '(|(objectClass=inetOrgPerson)(objectClass=posixAccount))' },
    groups: { filter: '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))' },
    attributes: {
      id: 'entryUUID',
      idFormat: 'string',
      login: 'uid',
      loginKinds: ['uid'],
      email: 'mail',
      emailVerified: false,
      upn: null,
      employeeId: 'employeeNumber',
      displayName: 'displayName',
      groupName: 'cn',
      extra: [],
    },
    status: null,
    memberAttributes: [
      { attribute: 'member', by: 'dn' },
      { attribute: 'uniqueMember', by: 'dn' },
      { attribute: 'memberUid', by: 'login' },
    ],
    memberRange: null,
    incremental: 'entryCSN',
    showDeleted: false,
    memberOf: false,
    references: 'fail',
    dnAttribute: 'entryDN',
  },
  'active-directory': {
    users: { filter: '(&(objectCategory=person)(objectClass=user))' },
    groups: { filter: '(objectClass=group)' },
    attributes: {
      id: 'objectGUID',
      idFormat: 'guid',
      login: 'sAMAccountName',
      loginKinds: ['login'],
      email: 'mail',
      emailVerified: false,
      upn: 'userPrincipalName',
      employeeId: 'employeeID',
      displayName: 'displayName',
      groupName: 'cn',
      extra: [],
    },
    status: { attribute: 'userAccountControl', disabledBit: 0x2 },
    memberAttributes: [{ attribute: 'member', by: 'dn' }],
    memberRange: 1500,
    incremental: 'usnChanged',
    showDeleted: true,
    memberOf: true,
    references: 'ignore-partitions',
    dnAttribute: 'distinguishedName',
  },
};
