import type { Account } from '../../src/model/account.js';
import type { Group } from '../../src/model/group.js';
import type { Identifier } from '../../src/model/identifier.js';
import { OKTA_USER_STATUSES, type OktaOptions, type OktaUserStatus, type StatusMapping } from './config.js';

/** An Okta user as the API returns it (only what the sync reads). */
export interface OktaUser {
  readonly id: string;
  readonly status: string;
  readonly lastUpdated?: string;
  readonly profile?: Readonly<Record<string, unknown>>;
  readonly credentials?: { readonly emails?: readonly { readonly value?: string; readonly status?: string }[] };
}

/** An Okta group as the API returns it. */
export interface OktaGroup {
  readonly id: string;
  readonly type?: string;
  readonly lastUpdated?: string;
  readonly lastMembershipUpdated?: string;
  readonly profile?: Readonly<Record<string, unknown>>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const isStatus = (s: string): s is OktaUserStatus => (OKTA_USER_STATUSES as readonly string[]).includes(s);

/** Okta users to accounts, the way the options say. */
export class UserMapper {
  constructor(private readonly o: OktaOptions) {}

  /** What the user's Okta status maps to (`skip` for statuses left out, and for unknown ones). */
  statusOf(u: OktaUser): StatusMapping {
    return isStatus(u.status) ? this.o.statusMap[u.status] : 'skip';
  }

  /** The account of a user, or null when its status is left out of the source. */
  account(u: OktaUser): Account | null {
    const status = this.statusOf(u);
    if (status === 'skip') return null;
    const p = u.profile ?? {};
    const str = (k: string): string | undefined => (typeof p[k] === 'string' && (p[k] as string).trim() ? (p[k] as string).trim() : undefined);
    const verifiedEmails = new Set<string>();
    for (const e of u.credentials?.emails ?? []) if (e.value && e.status === 'VERIFIED') verifiedEmails.add(e.value.toLowerCase());
    const verified = (email: string): boolean =>
      this.o.emailVerified === 'always' ? true : this.o.emailVerified === 'never' ? false : verifiedEmails.has(email.toLowerCase());

    const identifiers: Identifier[] = [{ kind: 'oktaId', value: u.id, verified: true }];
    const login = str('login');
    const email = str('email');
    if (login) {
      identifiers.push({ kind: 'login', value: login, verified: true });
      if (EMAIL.test(login)) identifiers.push(this.email(login, verified(login)));
    }
    if (email && EMAIL.test(email) && email !== login) identifiers.push(this.email(email, verified(email)));

    const attributes: Record<string, string | string[]> = { oktaStatus: u.status };
    for (const name of this.o.profileAttributes) {
      const v = p[name];
      if (typeof v === 'string') {
        if (v !== '') attributes[name] = v;
      } else if (typeof v === 'number' || typeof v === 'boolean') attributes[name] = String(v);
      else if (Array.isArray(v)) {
        const values = v.filter((x): x is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof x)).map(String);
        if (values.length) attributes[name] = values;
      }
    }
    const displayName = str('displayName') ?? ([str('firstName'), str('lastName')].filter(Boolean).join(' ') || login);
    const account: Account = { externalId: u.id, kind: this.o.accountKind, status, identifiers, attributes };
    return displayName ? { ...account, displayName } : account;
  }

  private email(value: string, verified: boolean): Identifier {
    return verified ? { kind: 'email', value, verified: true } : { kind: 'email', value };
  }
}

/** An Okta group to a group: its id, and its name (role rules select groups by either). */
export function mapGroup(g: OktaGroup): Group {
  const name = typeof g.profile?.name === 'string' && g.profile.name ? g.profile.name : g.id;
  return { externalId: g.id, name };
}
