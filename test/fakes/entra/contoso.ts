import type { RoleDefinition } from '../../../src/resolve/resolve-rules.js';
import { FakeDirectory } from './fake-directory.js';

/**
 * The test tenant: people, nested security groups, a Microsoft 365 group, a distribution list,
 * a big group (members over several pages), service principals (a workload, an agent, a managed
 * identity, a Microsoft first-party app) and an enterprise application with app roles.
 */

const guid = (kind: number, n: number): string => `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
export const userId = (n: number): string => guid(1, n);
export const groupId = (n: number): string => guid(2, n);
export const spId = (n: number): string => guid(3, n);
export const roleId = (n: number): string => guid(4, n);
export const DEVICE = guid(5, 1);

export const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'eve', 'frank'] as const;
export type Person = (typeof PEOPLE)[number];
export const U: Readonly<Record<Person, string>> = Object.fromEntries(PEOPLE.map((p, i) => [p, userId(i + 1)])) as Record<Person, string>;
export const G = {
  engineering: groupId(1),
  platform: groupId(2),
  sre: groupId(3),
  team: groupId(4),
  newsletter: groupId(5),
  big: groupId(6),
} as const;
export const SP = { support: spId(1), agent: spId(2), backup: spId(3), msGraph: spId(4), gateway: spId(5) } as const;
export const GATEWAY_APP_ID = 'c0ffee00-1111-4222-8333-444455556666';
export const ROLE = { reader: roleId(1), writer: roleId(2), admin: roleId(3) } as const;
export const BULK = 450;
export const bulkUserId = (i: number): string => userId(1000 + i);

export function contosoDirectory(): FakeDirectory {
  const dir = new FakeDirectory();
  for (const p of PEOPLE) {
    dir.add('users', {
      id: U[p],
      displayName: p[0]!.toUpperCase() + p.slice(1),
      userPrincipalName: p === 'frank' ? 'frank_fabrikam.com#EXT#@contoso.onmicrosoft.com' : `${p}@contoso.com`,
      mail: p === 'frank' ? 'frank@fabrikam.com' : `${p}@contoso.com`,
      accountEnabled: p !== 'eve',
      userType: p === 'frank' ? 'Guest' : 'Member',
      department: p === 'alice' ? 'Cardiology' : null,
    });
  }
  for (let i = 0; i < BULK; i++) {
    dir.add('users', { id: bulkUserId(i), displayName: `Bulk ${i}`, userPrincipalName: `bulk${i}@contoso.com`, mail: null, accountEnabled: true, userType: 'Member' });
  }
  const security = (id: string, displayName: string) => dir.add('groups', { id, displayName, groupTypes: [], securityEnabled: true, mailEnabled: false });
  security(G.engineering, 'engineering');
  security(G.platform, 'platform');
  security(G.sre, 'sre');
  security(G.big, 'big');
  dir.add('groups', { id: G.team, displayName: 'team', groupTypes: ['Unified'], securityEnabled: false, mailEnabled: true });
  dir.add('groups', { id: G.newsletter, displayName: 'newsletter', groupTypes: [], securityEnabled: false, mailEnabled: true });

  dir.addMember(G.engineering, U.alice);
  dir.addMember(G.engineering, G.platform, 'groups');
  dir.addMember(G.engineering, DEVICE, 'devices');
  dir.addMember(G.platform, U.bob);
  dir.addMember(G.platform, G.sre, 'groups');
  dir.addMember(G.sre, U.carol);
  dir.addMember(G.team, U.dave);
  dir.addMember(G.team, U.eve);
  dir.addMember(G.newsletter, U.frank);
  for (let i = 0; i < BULK; i++) dir.addMember(G.big, bulkUserId(i));
  dir.addMember(G.big, U.alice);

  const sp = (id: string, displayName: string, extra: Record<string, unknown>) =>
    dir.add('servicePrincipals', { id, displayName, accountEnabled: true, servicePrincipalType: 'Application', tags: [], appOwnerOrganizationId: '7e0b2a1c-4f3d-4c59-9b8e-3c1d2e4f5a6b', ...extra });
  sp(SP.support, 'svc-support', { appId: 'a0000000-0000-4000-8000-000000000001' });
  sp(SP.agent, 'agent-bot', { appId: 'a0000000-0000-4000-8000-000000000002', tags: ['roster-agent'] });
  sp(SP.backup, 'mi-backup', { appId: 'a0000000-0000-4000-8000-000000000003', servicePrincipalType: 'ManagedIdentity', appOwnerOrganizationId: null });
  sp(SP.msGraph, 'Microsoft Graph', { appId: '00000003-0000-0000-c000-000000000000', appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a' });
  sp(SP.gateway, 'roster-gateway', {
    appId: GATEWAY_APP_ID,
    appRoles: [
      { id: ROLE.reader, value: 'Reader', displayName: 'Reader', isEnabled: true, allowedMemberTypes: ['User', 'Application'] },
      { id: ROLE.writer, value: 'Writer', displayName: 'Writer', isEnabled: true, allowedMemberTypes: ['User'] },
      { id: ROLE.admin, value: 'Admin', displayName: 'Admin', isEnabled: false, allowedMemberTypes: ['User'] },
    ],
  });
  dir.addMember(G.engineering, SP.support, 'servicePrincipals');
  dir.assign(SP.gateway, ROLE.reader, U.alice, 'User');
  dir.assign(SP.gateway, ROLE.reader, G.platform, 'Group');
  dir.assign(SP.gateway, ROLE.reader, SP.agent, 'ServicePrincipal');
  dir.assign(SP.gateway, ROLE.writer, U.bob, 'User');
  dir.assign(SP.gateway, ROLE.admin, U.dave, 'User');
  return dir;
}

/** Roles mapped the way an operator would map them (docs/connectors/entra.md). */
export const CONTOSO_ROLES: RoleDefinition[] = [
  { name: 'engineer', rank: 10, grantedBy: [{ group: { source: 'entra', name: 'engineering' } }] },
  { name: 'sre', rank: 20, grantedBy: [{ group: { source: 'entra', id: G.sre } }] },
  { name: 'collaborator', rank: 5, grantedBy: [{ group: { source: 'entra', name: 'team' } }] },
  { name: 'subscriber', rank: 1, grantedBy: [{ group: { source: 'entra', name: 'newsletter' } }] },
  { name: 'bulk', rank: 1, grantedBy: [{ group: { source: 'entra', name: 'big' } }] },
  { name: 'reader', rank: 30, grantedBy: [{ group: { source: 'entra', name: 'approle:Reader' } }] },
  { name: 'writer', rank: 40, grantedBy: [{ group: { source: 'entra', name: 'approle:Writer' } }] },
  { name: 'admin', rank: 50, grantedBy: [{ group: { source: 'entra', name: 'approle:Admin' } }] },
  { name: 'cardiology', rank: 2, grantedBy: [{ attribute: { source: 'entra', name: 'department', equals: 'Cardiology' } }] },
];

export const CONTOSO_OPTIONS = {
  users: { attributes: ['department'] },
  servicePrincipals: { enabled: true, agentTags: ['roster-agent'] },
  appRoles: { appId: GATEWAY_APP_ID },
};
