import type { SourceBatch } from '../connector.js';
import type { Account } from '../../src/model/account.js';
import type { Group } from '../../src/model/group.js';
import type { Identifier } from '../../src/model/identifier.js';
import type { Membership } from '../../src/model/membership.js';
import type { StaticDirectory } from './static-directory-schema.js';

/** Prefix of the groups that carry a direct role grant (`roles:` in the file). */
export const ROLE_GROUP_PREFIX = 'role:';

/** Turns the static file into one full-snapshot batch. Groups named anywhere exist implicitly. */
export function directoryToBatch(dir: StaticDirectory): SourceBatch {
  const groups = new Map<string, Group>();
  const ensure = (id: string, name?: string): void => {
    if (!groups.has(id) || name) groups.set(id, { externalId: id, name: name ?? id });
  };
  const memberships: Membership[] = [];
  for (const g of dir.groups) {
    ensure(g.id, g.name);
    for (const parent of g.memberOf) {
      ensure(parent);
      memberships.push({ groupId: parent, memberType: 'group', memberId: g.id });
    }
  }
  const accounts: Account[] = dir.principals.map((p) => {
    const identifiers: Identifier[] = [...p.identifiers];
    if (p.email) identifiers.push({ kind: 'email', value: p.email, verified: true });
    if (p.upn) identifiers.push({ kind: 'upn', value: p.upn });
    if (p.uid) identifiers.push({ kind: 'uid', value: p.uid });
    if (p.clientId) identifiers.push({ kind: 'clientId', value: p.clientId });
    if (p.employeeId) identifiers.push({ kind: 'employeeId', value: p.employeeId });
    for (const s of p.subjects) identifiers.push({ kind: 'sub', value: `${s.issuer}|${s.sub}` });
    identifiers.push({ kind: 'login', value: p.id });
    for (const g of p.groups) {
      ensure(g);
      memberships.push({ groupId: g, memberType: 'account', memberId: p.id });
    }
    for (const r of p.roles) {
      ensure(ROLE_GROUP_PREFIX + r);
      memberships.push({ groupId: ROLE_GROUP_PREFIX + r, memberType: 'account', memberId: p.id });
    }
    const account: Account = { externalId: p.id, kind: p.kind, status: p.status, identifiers, attributes: p.attributes };
    return p.displayName ? { ...account, displayName: p.displayName } : account;
  });
  return { accounts, groups: [...groups.values()], memberships };
}
