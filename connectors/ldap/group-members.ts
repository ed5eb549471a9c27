import { escapeFilter } from 'ldapts';
import { normalizeDn } from './dn.js';
import type { DirectoryIndex, MemberRef } from './directory-index.js';
import type { EntryView } from './entry.js';
import { LdapSourceError } from './errors.js';
import { memberDn, type EntryMapper } from './map-entry.js';
import { searchAll, type SearchContext } from './search.js';

/** The members a group entry names: DNs (normalized) and login names (posix memberUid). */
export interface MemberRefs {
  readonly dns: string[];
  readonly logins: string[];
}

export async function memberRefs(sc: SearchContext, e: EntryView): Promise<MemberRefs> {
  const dns: string[] = [];
  const logins: string[] = [];
  for (const m of sc.options.memberAttributes) {
    const values = await memberValues(sc, e, m.attribute);
    if (m.by === 'dn') for (const v of values) dns.push(normalizeDn(memberDn(v)));
    else for (const v of values) logins.push(v);
  }
  return { dns, logins };
}

/**
 * All values of a member attribute. AD hands out large multi-valued attributes in ranges
 * (`member;range=0-1499`, then `member;range=1500-2999`, ... until `member;range=N-*`); the
 * rest is read with base searches of the group until the range ends with `*`.
 */
async function memberValues(sc: SearchContext, e: EntryView, attr: string): Promise<string[]> {
  const first = e.range(attr);
  if (!first) return e.strings(attr);
  const values = [...first.values];
  let end = first.end;
  let requests = 1;
  while (end !== null) {
    const start = end + 1;
    const step = sc.options.memberRange;
    const wanted = `${attr};range=${start}-${step ? start + step - 1 : '*'}`;
    const [entry] = await searchAll(sc, { base: e.dn, scope: 'base', filter: '(objectClass=*)', attributes: [wanted], what: `the members of "${e.dn}" (${wanted})` });
    const next = entry?.range(attr);
    if (!next) {
      // Asked past the last value: some servers answer with nothing instead of `N-*`.
      if (!entry?.has(attr)) break;
      values.push(...entry.strings(attr));
      break;
    }
    if (next.start !== start) {
      throw new LdapSourceError(sc.ctx.sourceId, 'server', `ranged retrieval of ${attr} of "${e.dn}" asked for values from ${start} and got a range from ${next.start}`);
    }
    values.push(...next.values);
    end = next.end;
    requests++;
    if (next.values.length === 0) break;
  }
  sc.ctx.log.debug({ source: sc.ctx.sourceId, dn: e.dn, attribute: attr, values: values.length, requests }, 'LDAP ranged retrieval');
  return values;
}

/** The members the index knows, and the references it does not. */
export function resolveRefs(index: DirectoryIndex, refs: MemberRefs): { members: MemberRef[]; missingDns: string[]; missingLogins: string[] } {
  const members: MemberRef[] = [];
  const missingDns: string[] = [];
  const missingLogins: string[] = [];
  for (const dn of refs.dns) {
    const m = index.byNormalizedDn(dn);
    if (m) members.push(m);
    else missingDns.push(dn);
  }
  for (const login of refs.logins) {
    const m = index.accountByLogin(login);
    if (m) members.push(m);
    else missingLogins.push(login);
  }
  return { members, missingDns, missingLogins };
}

const CHUNK = 50;

/**
 * Looks up member DNs and logins the index does not know (an incremental run in a fresh process,
 * or entries created since the last read) and indexes those that are synced users or groups.
 */
export async function lookupMissing(sc: SearchContext, mapper: EntryMapper, index: DirectoryIndex, dns: readonly string[], logins: readonly string[]): Promise<void> {
  const o = sc.options;
  const uniqDns = [...new Set(dns)];
  for (let i = 0; i < uniqDns.length; i += CHUNK) {
    const chunk = uniqDns.slice(i, i + CHUNK);
    const any = `(|${chunk.map((dn) => escapeFilter`(${o.dnAttribute}=${dn})`).join('')})`;
    for (const e of await searchAll(sc, { base: o.users.baseDN, scope: o.users.scope, filter: `(&${o.users.filter}${any})`, attributes: mapper.userAttributes, binary: mapper.binary, what: 'member users' })) {
      const id = mapper.stableId(e);
      if (id) index.setAccount(id, e.dn, mapper.login(e));
    }
    const left = chunk.filter((dn) => !index.byNormalizedDn(dn));
    if (left.length === 0) continue;
    const anyLeft = `(|${left.map((dn) => escapeFilter`(${o.dnAttribute}=${dn})`).join('')})`;
    for (const e of await searchAll(sc, { base: o.groups.baseDN, scope: o.groups.scope, filter: `(&${o.groups.filter}${anyLeft})`, attributes: [o.attributes.id], binary: mapper.binary, what: 'member groups' })) {
      const id = mapper.stableId(e);
      if (id) index.setGroup(id, e.dn);
    }
  }
  const login = o.attributes.login;
  if (!login) return;
  const uniqLogins = [...new Set(logins.map((l) => l.toLowerCase()))];
  for (let i = 0; i < uniqLogins.length; i += CHUNK) {
    const any = `(|${uniqLogins.slice(i, i + CHUNK).map((l) => escapeFilter`(${login}=${l})`).join('')})`;
    for (const e of await searchAll(sc, { base: o.users.baseDN, scope: o.users.scope, filter: `(&${o.users.filter}${any})`, attributes: mapper.userAttributes, binary: mapper.binary, what: 'member logins' })) {
      const id = mapper.stableId(e);
      if (id) index.setAccount(id, e.dn, mapper.login(e));
    }
  }
}
