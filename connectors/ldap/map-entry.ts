import type { Account } from '../../src/model/account.js';
import type { Group } from '../../src/model/group.js';
import type { Identifier } from '../../src/model/identifier.js';
import type { LdapOptions } from './config.js';
import { formatGuid, type EntryView } from './entry.js';

/** Turns directory entries into accounts and groups as the source's mapping says. */
export class EntryMapper {
  /** Attributes a user search asks for. */
  readonly userAttributes: string[];
  /** ... in an incremental run (with memberOf when the source uses it). */
  readonly changedUserAttributes: string[];
  /** Attributes a group search asks for (member attributes ranged when configured). */
  readonly groupAttributes: string[];
  /** Attributes kept binary. */
  readonly binary: string[];
  private readonly copied: string[];

  constructor(private readonly o: LdapOptions) {
    const a = o.attributes;
    this.copied = unique([a.login, a.email, a.upn, a.employeeId, a.displayName, ...a.extra].filter((x): x is string => x !== null));
    const change = o.incremental === 'entryCSN' ? ['entryCSN'] : o.incremental === 'modifyTimestamp' ? ['modifyTimestamp'] : [];
    this.userAttributes = unique([a.id, 'cn', ...this.copied, ...(o.status ? [o.status.attribute] : []), ...change]);
    this.changedUserAttributes = o.memberOf ? unique([...this.userAttributes, 'memberOf']) : this.userAttributes;
    const members = o.memberAttributes.map((m) => (o.memberRange && m.by === 'dn' ? `${m.attribute};range=0-${o.memberRange - 1}` : m.attribute));
    this.groupAttributes = unique([a.id, a.groupName, 'cn', ...members, ...change]);
    this.binary = a.idFormat === 'guid' ? [a.id] : [];
  }

  /** The entry's stable id (entryUUID, objectGUID as a GUID string), or null when it has none. */
  stableId(e: EntryView): string | null {
    const a = this.o.attributes;
    if (a.idFormat === 'guid') {
      const b = e.buffer(a.id);
      return b ? formatGuid(b) : null;
    }
    return e.first(a.id)?.toLowerCase() ?? null;
  }

  /** The value incremental runs compare (entryCSN or modifyTimestamp), if the strategy uses one. */
  changeMark(e: EntryView): string | undefined {
    return this.o.incremental === 'entryCSN' ? e.first('entryCSN') : this.o.incremental === 'modifyTimestamp' ? e.first('modifyTimestamp') : undefined;
  }

  login(e: EntryView): string | undefined {
    return this.o.attributes.login ? e.first(this.o.attributes.login) : undefined;
  }

  account(e: EntryView): Account | null {
    const id = this.stableId(e);
    if (id === null) return null;
    const a = this.o.attributes;
    const identifiers: Identifier[] = [
      { kind: 'dn', value: e.dn },
      { kind: 'objectId', value: id },
    ];
    const login = this.login(e);
    if (login) for (const kind of a.loginKinds) identifiers.push({ kind, value: login });
    if (a.email) for (const mail of e.strings(a.email)) identifiers.push(a.emailVerified ? { kind: 'email', value: mail, verified: true } : { kind: 'email', value: mail, verified: false });
    const upn = a.upn ? e.first(a.upn) : undefined;
    if (upn) identifiers.push({ kind: 'upn', value: upn });
    const employeeId = a.employeeId ? e.first(a.employeeId) : undefined;
    if (employeeId) identifiers.push({ kind: 'employeeId', value: employeeId });
    const attributes: Record<string, string | string[]> = {};
    for (const name of this.copied) {
      const values = e.strings(name);
      if (values.length === 1) attributes[name] = values[0]!;
      else if (values.length > 1) attributes[name] = values;
    }
    const displayName = (a.displayName ? e.first(a.displayName) : undefined) ?? e.first('cn');
    const account: Account = { externalId: id, kind: this.o.accountKind, status: this.disabled(e) ? this.o.disabledStatus : 'active', identifiers, attributes };
    return displayName ? { ...account, displayName } : account;
  }

  group(e: EntryView): Group | null {
    const id = this.stableId(e);
    if (id === null) return null;
    const name = e.first(this.o.attributes.groupName) ?? e.first('cn') ?? e.dn;
    return { externalId: id, name, dn: e.dn };
  }

  private disabled(e: EntryView): boolean {
    const s = this.o.status;
    if (!s) return false;
    if ('disabledBit' in s) {
      const v = Number.parseInt(e.first(s.attribute) ?? '', 10);
      return Number.isFinite(v) && (v & s.disabledBit) !== 0;
    }
    if ('disabledValues' in s) {
      const wanted = new Set(s.disabledValues.map((x) => x.toLowerCase()));
      return e.strings(s.attribute).some((v) => wanted.has(v.toLowerCase()));
    }
    return e.has(s.attribute);
  }
}

/** A `uniqueMember` value is a DN with an optional `#'0101'B` unique id; the DN is what names the member. */
export const memberDn = (value: string): string => (value.indexOf('#') === -1 ? value : value.replace(/#'[01]*'B$/, ''));

function unique(xs: readonly string[]): string[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = x.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
