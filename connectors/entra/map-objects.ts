import type { Account } from '../../src/model/account.js';
import type { Group } from '../../src/model/group.js';
import type { Identifier } from '../../src/model/identifier.js';
import type { PrincipalStatus } from '../../src/model/principal-status.js';
import type { EntraOptions, GroupType } from './config.js';
import type { DirRecord } from './records.js';

/** Tenants of Microsoft's own first-party applications (their service principals exist in every tenant). */
export const MICROSOFT_APP_TENANTS: ReadonlySet<string> = new Set(['f8cdef31-a31e-4b4a-93e4-5f571e91255a', '72f988bf-86f1-41af-91ab-2d7cd011db47']);

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function status(rec: DirRecord, disabled: PrincipalStatus, softDeleted: PrincipalStatus): PrincipalStatus {
  if (rec.softDeleted) return softDeleted;
  return rec.props.accountEnabled === false ? disabled : 'active';
}

/** Attribute value of a Graph property: strings as they are, numbers and booleans as text, lists of strings. */
function attributeValue(v: unknown): string | string[] | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return strings(v);
  return null;
}

/** A user: stable id = object id; identifiers objectId, upn (userPrincipalName), email (mail). */
export function userAccount(rec: DirRecord, o: EntraOptions): Account {
  const p = rec.props;
  const identifiers: Identifier[] = [{ kind: 'objectId', value: rec.id }];
  const upn = str(p.userPrincipalName);
  if (upn) identifiers.push({ kind: 'upn', value: upn });
  const mail = str(p.mail);
  if (mail) identifiers.push({ kind: 'email', value: mail, verified: o.users.emailVerified });
  const employeeId = o.users.attributes.includes('employeeId') ? str(p.employeeId) : null;
  if (employeeId) identifiers.push({ kind: 'employeeId', value: employeeId });
  const attributes: Record<string, string | string[]> = {};
  for (const name of ['userType', ...o.users.attributes]) {
    const v = attributeValue(p[name]);
    if (v !== null) attributes[name] = v;
  }
  const displayName = str(p.displayName);
  const account: Account = {
    externalId: rec.id,
    kind: 'human',
    status: status(rec, o.users.disabledStatus, o.users.softDeletedStatus),
    identifiers,
    attributes,
  };
  return displayName ? { ...account, displayName } : account;
}

/** Whether a service principal is read at all (type, required tag, Microsoft first-party apps). */
export function servicePrincipalIncluded(rec: DirRecord, o: EntraOptions): boolean {
  const sp = o.servicePrincipals;
  const type = str(rec.props.servicePrincipalType);
  if (type === null || !(sp.types as readonly string[]).includes(type)) return false;
  if (sp.requireTag !== null && !strings(rec.props.tags).includes(sp.requireTag)) return false;
  const owner = str(rec.props.appOwnerOrganizationId)?.toLowerCase();
  return !(sp.excludeMicrosoftApps && owner !== undefined && MICROSOFT_APP_TENANTS.has(owner));
}

/** A service principal (workload or agent): identifiers clientId (appId) and objectId. */
export function servicePrincipalAccount(rec: DirRecord, o: EntraOptions): Account {
  const p = rec.props;
  const identifiers: Identifier[] = [{ kind: 'objectId', value: rec.id }];
  const appId = str(p.appId);
  if (appId) identifiers.push({ kind: 'clientId', value: appId });
  const tags = strings(p.tags);
  const agent = tags.some((t) => o.servicePrincipals.agentTags.includes(t));
  const attributes: Record<string, string | string[]> = {};
  const type = str(p.servicePrincipalType);
  if (type) attributes.servicePrincipalType = type;
  if (tags.length) attributes.tags = tags;
  const displayName = str(p.displayName);
  const account: Account = {
    externalId: rec.id,
    kind: agent ? 'agent' : o.servicePrincipals.kind,
    // The users' statuses apply: disabled (accountEnabled false) and soft-deleted (recycle bin).
    status: status(rec, o.users.disabledStatus, o.users.softDeletedStatus),
    identifiers,
    attributes,
  };
  return displayName ? { ...account, displayName } : account;
}

/**
 * The type of a group: microsoft365 (groupTypes has "Unified"), security (securityEnabled, mail
 * enabled or not), distribution (mail-enabled only); null while the properties are unknown.
 */
export function groupType(rec: DirRecord): GroupType | null {
  const p = rec.props;
  if (strings(p.groupTypes).includes('Unified')) return 'microsoft365';
  if (p.securityEnabled === true) return 'security';
  if (p.mailEnabled === true) return 'distribution';
  if (p.securityEnabled === false && p.mailEnabled === false) return 'distribution';
  return null;
}

/** Whether a group is read: its type is configured, or not known yet (then it is kept). */
export function groupIncluded(rec: DirRecord, o: EntraOptions): boolean {
  const t = groupType(rec);
  return t === null || o.groups.types.includes(t);
}

export function groupOf(rec: DirRecord): Group {
  return { externalId: rec.id, name: str(rec.props.displayName) ?? rec.id };
}
