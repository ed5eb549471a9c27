/**
 * The Active Directory test directory for the Samba DC, as LDIF change records for ldbmodify:
 * users (one disabled, one with a non-ASCII name), groups nested three levels, a cycle (made with
 * a modify, since AD only links members that exist), and a group with more than 1,500 members so
 * the member list comes in ranges.
 */
import { line } from './slapd-data.js';
import { DOMAIN_DN, REALM } from './samba.js';

export const AD_OU = `OU=Roster,${DOMAIN_DN}`;
export const AD_PEOPLE = `OU=People,${AD_OU}`;
export const AD_GROUPS = `OU=Groups,${AD_OU}`;
/** Users outside the People OU (sources that sync only People do not see them). */
export const AD_STAGING = `OU=Staging,${AD_OU}`;
export const HANK_DN = `CN=Hank Hill,${AD_STAGING}`;
const UPN_SUFFIX = REALM.toLowerCase();

export const adUserDn = (cn: string): string => `CN=${cn},${AD_PEOPLE}`;
export const adGroupDn = (cn: string): string => `CN=${cn},${AD_GROUPS}`;
export const adBulkName = (i: number): string => `bulk${String(i).padStart(4, '0')}`;

export interface AdPerson {
  readonly sam: string;
  readonly cn: string;
  readonly employeeID?: string;
  readonly disabled?: boolean;
  readonly department?: string;
}

export const AD_PEOPLE_LIST: readonly AdPerson[] = [
  { sam: 'alice', cn: 'Alice Archer', employeeID: 'E001', department: 'Engineering' },
  { sam: 'bob', cn: 'Bob Baker', employeeID: 'E002' },
  { sam: 'carol', cn: 'Carol Cruz' },
  { sam: 'dave', cn: 'Dave Dunn' },
  { sam: 'eve', cn: 'Eve Evans', disabled: true },
  { sam: 'jose', cn: 'José Müller', department: 'Développement' },
];

const record = (dn: string, changetype: 'add' | 'modify', body: readonly string[]): string => [line('dn', dn), `changetype: ${changetype}`, ...body].join('\n') + '\n';
const add = (dn: string, attrs: readonly (readonly [string, string])[]): string => record(dn, 'add', attrs.map(([a, v]) => line(a, v)));

export function adUserLdif(p: AdPerson): string {
  const attrs: [string, string][] = [
    ['objectClass', 'user'],
    ['sAMAccountName', p.sam],
    ['userPrincipalName', `${p.sam}@${UPN_SUFFIX}`],
    ['mail', `${p.sam}@example.com`],
    ['displayName', p.cn],
    ['userAccountControl', p.disabled ? '514' : '512'],
  ];
  if (p.employeeID) attrs.push(['employeeID', p.employeeID]);
  if (p.department) attrs.push(['department', p.department]);
  return add(adUserDn(p.cn), attrs);
}

const group = (cn: string, members: readonly string[]): string => add(adGroupDn(cn), [['objectClass', 'group'], ['sAMAccountName', cn], ...members.map((m) => ['member', m] as [string, string])]);

export function adDirectoryLdif(bulk: number): string {
  const out: string[] = [];
  for (const dn of [AD_OU, AD_PEOPLE, AD_GROUPS, AD_STAGING]) out.push(add(dn, [['objectClass', 'organizationalUnit']]));
  for (const p of AD_PEOPLE_LIST) out.push(adUserLdif(p));
  out.push(add(HANK_DN, [['objectClass', 'user'], ['sAMAccountName', 'hank'], ['userPrincipalName', `hank@${UPN_SUFFIX}`], ['displayName', 'Hank Hill'], ['userAccountControl', '512']]));
  for (let i = 1; i <= bulk; i++) out.push(adUserLdif({ sam: adBulkName(i), cn: adBulkName(i) }));
  const u = (sam: string): string => adUserDn(AD_PEOPLE_LIST.find((p) => p.sam === sam)!.cn);
  out.push(group('sre', [u('carol')]));
  out.push(group('platform', [u('bob'), adGroupDn('sre')]));
  out.push(group('engineering', [u('alice'), adGroupDn('platform')]));
  out.push(group('cycle-a', []));
  out.push(group('cycle-b', [adGroupDn('cycle-a'), u('dave')]));
  out.push(record(adGroupDn('cycle-a'), 'modify', ['add: member', line('member', adGroupDn('cycle-b')), '-']));
  out.push(group('auditors', [u('eve'), u('jose'), HANK_DN]));
  out.push(group('big', Array.from({ length: bulk }, (_, i) => adUserDn(adBulkName(i + 1)))));
  return out.join('\n');
}

export const AD_ROLES = [
  { name: 'engineer', rank: 5, grantedBy: [{ group: { source: 'ad', name: 'engineering' } }] },
  { name: 'cycler', rank: 4, grantedBy: [{ group: { source: 'ad', name: 'cycle-a' } }] },
  { name: 'auditor', rank: 2, grantedBy: [{ group: { source: 'ad', name: 'auditors' } }] },
  { name: 'crowd', rank: 1, grantedBy: [{ group: { source: 'ad', name: 'big' } }] },
];
