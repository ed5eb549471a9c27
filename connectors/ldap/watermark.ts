import { parentDn } from './dn.js';
import { formatGuid } from './entry.js';
import { LdapSourceError } from './errors.js';
import { searchAll, type SearchContext } from './search.js';

/**
 * The contextCSN of the database holding the users and groups (the newest change it has
 * committed), read before a run searches: anything changed after it has an entryCSN >= it.
 * Walks up from each base DN to the suffix entry. With several providers (one contextCSN per
 * serverID) the oldest is taken, so nothing is skipped. Null when the server keeps none (no
 * syncprov overlay).
 */
export async function readContextCsn(sc: SearchContext): Promise<string | null> {
  const found: string[] = [];
  for (const base of new Set([sc.options.users.baseDN, sc.options.groups.baseDN])) {
    for (let dn: string | null = base; dn; dn = parentDn(dn)) {
      let entries;
      try {
        entries = await searchAll(sc, { base: dn, scope: 'base', filter: '(objectClass=*)', attributes: ['contextCSN'], what: 'the contextCSN' });
      } catch (err) {
        // Above the suffix: no such object, or a referral to a default server. Stop walking.
        if (err instanceof LdapSourceError && err.fault !== 'unreachable' && err.fault !== 'aborted') break;
        throw err;
      }
      const csns = entries[0]?.strings('contextCSN') ?? [];
      if (csns.length) {
        found.push(csns.reduce((a, b) => (a < b ? a : b)));
        break;
      }
    }
  }
  return found.length ? found.reduce((a, b) => (a < b ? a : b)) : null;
}

export interface DcState {
  readonly dnsHostName: string;
  readonly invocationId: string;
  readonly highestCommittedUSN: string;
  readonly defaultNamingContext: string;
}

/** The AD domain controller answering: its name, invocationId (from its NTDS Settings) and USN. */
export async function readDcState(sc: SearchContext): Promise<DcState> {
  const [root] = await searchAll(sc, {
    base: '',
    scope: 'base',
    filter: '(objectClass=*)',
    attributes: ['dnsHostName', 'dsServiceName', 'highestCommittedUSN', 'defaultNamingContext'],
    what: 'the rootDSE',
  });
  const dnsHostName = root?.first('dnsHostName');
  const service = root?.first('dsServiceName');
  const usn = root?.first('highestCommittedUSN');
  if (!root || !dnsHostName || !service || !usn || !/^\d+$/.test(usn)) {
    throw new LdapSourceError(
      sc.ctx.sourceId,
      'config',
      `incremental: usnChanged needs an Active Directory domain controller, but the rootDSE of ${sc.session.url} has no dnsHostName, dsServiceName or highestCommittedUSN (set incremental: entryCSN, modifyTimestamp or none)`,
    );
  }
  const [ntds] = await searchAll(sc, { base: service, scope: 'base', filter: '(objectClass=*)', attributes: ['invocationId'], binary: ['invocationId'], what: 'the NTDS Settings of the domain controller' });
  const inv = ntds?.buffer('invocationId');
  if (!inv) throw new LdapSourceError(sc.ctx.sourceId, 'server', `cannot read the invocationId of ${service} (is the bind DN allowed to read the configuration partition?)`);
  return { dnsHostName: dnsHostName.toLowerCase(), invocationId: formatGuid(inv), highestCommittedUSN: usn, defaultNamingContext: root.first('defaultNamingContext') ?? sc.options.baseDN };
}
