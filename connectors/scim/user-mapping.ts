import type { Account } from '../../src/model/account.js';
import type { Identifier, IdentifierKind } from '../../src/model/identifier.js';
import { getCi, isObject, type Json, type JsonObject } from './json.js';
import { ENTERPRISE_SCHEMA } from './scim-schemas.js';

/** The account attribute that keeps the whole SCIM resource (JSON), so reads return what was stored. */
export const RESOURCE_ATTRIBUTE = 'scim:resource';

/** Enterprise-extension attributes copied to plain account attributes, for attribute role rules. */
const ENTERPRISE_FLAT = ['employeeNumber', 'costCenter', 'organization', 'division', 'department'] as const;
const CORE_FLAT = ['title', 'userType'] as const;

export interface MappingOptions {
  /** Identifier kind of the client's `externalId` (Okta user id, Entra object id...), or 'none'. */
  readonly externalIdKind: IdentifierKind | 'none';
  /** Kinds `userName` is published as; 'email' and 'upn' only when it has the form of an address. */
  readonly userNameKinds: readonly ('login' | 'email' | 'upn')[];
  /** Whether email identifiers are marked verified (linking rules with `requireVerified`). */
  readonly emailsVerified: boolean;
}

const looksLikeAddress = (s: string): boolean => /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s);
const str = (v: Json | undefined): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/**
 * A stored SCIM User (with id and meta) as a Roster account: externalId = the SCIM id this receiver
 * assigned; identifiers from userName, emails, the client's externalId and employeeNumber; status
 * `suspended` when active is false; role-relevant attributes flattened beside the whole resource.
 */
export function userToAccount(resource: JsonObject, o: MappingOptions): Account {
  const id = resource.id as string;
  const userName = resource.userName as string;
  const identifiers: Identifier[] = [];
  const email = (value: string): Identifier => (o.emailsVerified ? { kind: 'email', value, verified: true } : { kind: 'email', value });
  for (const kind of o.userNameKinds) {
    if (kind === 'login') identifiers.push({ kind: 'login', value: userName });
    else if (looksLikeAddress(userName)) identifiers.push(kind === 'email' ? email(userName) : { kind: 'upn', value: userName });
  }
  for (const e of Array.isArray(resource.emails) ? resource.emails : []) {
    const v = isObject(e) ? str(e.value) : undefined;
    if (v) identifiers.push(email(v));
  }
  const externalId = str(resource.externalId);
  if (externalId && o.externalIdKind !== 'none') identifiers.push({ kind: o.externalIdKind, value: externalId });

  const attributes: Record<string, string> = { [RESOURCE_ATTRIBUTE]: JSON.stringify(resource) };
  for (const k of CORE_FLAT) {
    const v = str(resource[k]);
    if (v) attributes[k] = v;
  }
  const ext = resource[ENTERPRISE_SCHEMA];
  if (isObject(ext)) {
    for (const k of ENTERPRISE_FLAT) {
      const v = str(ext[k]);
      if (v) attributes[k] = v;
    }
    const manager = isObject(ext.manager) ? str(ext.manager.value) : undefined;
    if (manager) attributes.manager = manager;
    if (attributes.employeeNumber) identifiers.push({ kind: 'employeeId', value: attributes.employeeNumber });
  }
  const displayName = str(resource.displayName) ?? formattedName(resource.name) ?? userName;
  return {
    externalId: id,
    kind: 'human',
    status: resource.active === false ? 'suspended' : 'active',
    displayName,
    identifiers,
    attributes,
  };
}

function formattedName(name: Json | undefined): string | undefined {
  if (!isObject(name)) return undefined;
  return str(name.formatted) ?? str([getCi(name, 'givenName'), getCi(name, 'familyName')].filter((x) => typeof x === 'string').join(' '));
}

/** The SCIM resource kept in an account, parsed once per account object (accounts are immutable). */
export class StoredUsers {
  private readonly parsed = new WeakMap<Account, JsonObject | null>();

  resourceOf(account: Account): JsonObject | undefined {
    let r = this.parsed.get(account);
    if (r === undefined) {
      const raw = account.attributes[RESOURCE_ATTRIBUTE];
      try {
        const v = typeof raw === 'string' ? (JSON.parse(raw) as Json) : null;
        r = isObject(v) ? Object.freeze(v) : null;
      } catch {
        r = null;
      }
      this.parsed.set(account, r);
    }
    return r ?? undefined;
  }
}
