/**
 * The OpenLDAP test directory, as LDIF for slapadd: people, groups nested three levels deep, a
 * cycle, non-ASCII names (in values and DNs, some member DNs written with hex escapes), a disabled
 * user, posix memberUid and groupOfUniqueNames groups, members outside the synced subtree, and a
 * group with more than 1,500 members.
 */
export const SUFFIX = 'dc=example,dc=com';
export const PEOPLE = `ou=people,${SUFFIX}`;
export const GROUPS = `ou=groups,${SUFFIX}`;
export const PARTNERS = `ou=partners,${SUFFIX}`;
export const SERVICE_DN = `cn=roster,ou=services,${SUFFIX}`;
export const SERVICE_PASSWORD = 'service-pw-0123456789';
/** A bind DN whose olcLimits allow 20 entries per search in total (size-limit tests). */
export const LIMITED_DN = `cn=limited,ou=services,${SUFFIX}`;
export const LIMITED_DB_CONFIG = [`olcLimits: dn.exact="${LIMITED_DN}" size.soft=10 size.hard=10 size.prtotal=20`];

/** One LDIF line; values that are not safe ASCII go base64 (`attr:: ...`). */
export function line(attr: string, value: string): string {
  const safe = /^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/.test(value) && !value.endsWith(' ');
  return safe ? `${attr}: ${value}` : `${attr}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

export function entry(dn: string, attrs: readonly (readonly [string, string])[]): string {
  return [line('dn', dn), ...attrs.map(([a, v]) => line(a, v))].join('\n') + '\n';
}

export interface TestPerson {
  readonly uid: string;
  readonly rdn: string;
  readonly cn: string;
  readonly mail: string;
  readonly employeeNumber?: string;
  readonly disabled?: boolean;
  readonly department?: string;
}

export const personDn = (p: Pick<TestPerson, 'rdn'>): string => `${p.rdn},${PEOPLE}`;
export const groupDn = (cn: string): string => `cn=${cn},${GROUPS}`;

export const PEOPLE_LIST: readonly TestPerson[] = [
  { uid: 'alice', rdn: 'uid=alice', cn: 'Alice Archer', mail: 'alice@example.com', employeeNumber: 'E001', department: 'Engineering' },
  { uid: 'bob', rdn: 'uid=bob', cn: 'Bob Baker', mail: 'bob@example.com', employeeNumber: 'E002', department: 'Engineering' },
  { uid: 'carol', rdn: 'uid=carol', cn: 'Carol Cruz', mail: 'carol@example.com', department: 'Operations' },
  { uid: 'dave', rdn: 'uid=dave', cn: 'Dave Dunn', mail: 'dave@example.com' },
  { uid: 'eve', rdn: 'uid=eve', cn: 'Eve Evans', mail: 'eve@example.com', disabled: true },
  { uid: 'jose', rdn: 'uid=jose', cn: 'José Müller', mail: 'jose@example.com', department: 'Développement' },
  { uid: 'zoe', rdn: 'cn=Zoë Ångström', cn: 'Zoë Ångström', mail: 'zoe@example.com' },
];

export const bulkUid = (i: number): string => `user${String(i).padStart(4, '0')}`;

function person(p: TestPerson): string {
  const attrs: [string, string][] = [
    ['objectClass', 'inetOrgPerson'],
    ['uid', p.uid],
    ['cn', p.cn],
    ['sn', p.cn.split(' ').at(-1)!],
    ['displayName', p.cn],
    ['mail', p.mail],
  ];
  if (p.employeeNumber) attrs.push(['employeeNumber', p.employeeNumber]);
  if (p.department) attrs.push(['departmentNumber', p.department]);
  if (p.disabled) attrs.push(['employeeType', 'disabled']);
  return entry(personDn(p), attrs);
}

const groupOfNames = (cn: string, members: readonly string[]): string =>
  entry(groupDn(cn), [['objectClass', 'groupOfNames'], ['cn', cn], ...members.map((m) => ['member', m] as [string, string])]);

const dnOf = (uid: string): string => personDn(PEOPLE_LIST.find((p) => p.uid === uid)!);

export function testDirectoryLdif(bigGroupSize = 1600): string {
  const out: string[] = [];
  out.push(entry(SUFFIX, [['objectClass', 'dcObject'], ['objectClass', 'organization'], ['dc', 'example'], ['o', 'Example']]));
  for (const ou of ['people', 'groups', 'services', 'elsewhere', 'partners']) out.push(entry(`ou=${ou},${SUFFIX}`, [['objectClass', 'organizationalUnit'], ['ou', ou]]));
  for (const [dn, pw] of [[SERVICE_DN, SERVICE_PASSWORD], [LIMITED_DN, SERVICE_PASSWORD]] as const) {
    out.push(entry(dn, [['objectClass', 'organizationalRole'], ['objectClass', 'simpleSecurityObject'], ['cn', dn.slice(3, dn.indexOf(','))], ['userPassword', pw]]));
  }
  for (const p of PEOPLE_LIST) out.push(person(p));
  // A subtree with a referral to another server (searches under ou=partners get a continuation reference).
  out.push(entry(`uid=partner,${PARTNERS}`, [['objectClass', 'inetOrgPerson'], ['uid', 'partner'], ['cn', 'Partner'], ['sn', 'Partner']]));
  out.push(entry(`ou=remote,${PARTNERS}`, [['objectClass', 'referral'], ['objectClass', 'extensibleObject'], ['ou', 'remote'], ['ref', `ldap://ldap.partner.example/ou=remote,${SUFFIX}`]]));
  out.push(entry(`uid=outsider,ou=elsewhere,${SUFFIX}`, [['objectClass', 'inetOrgPerson'], ['uid', 'outsider'], ['cn', 'Outsider'], ['sn', 'Outsider']]));
  for (let i = 1; i <= bigGroupSize; i++) {
    const uid = bulkUid(i);
    out.push(entry(`uid=${uid},${PEOPLE}`, [['objectClass', 'inetOrgPerson'], ['uid', uid], ['cn', `User ${i}`], ['sn', `${i}`], ['mail', `${uid}@example.com`]]));
  }
  // engineering > platform > sre: three levels of nesting.
  out.push(groupOfNames('engineering', [dnOf('alice'), groupDn('platform')]));
  out.push(groupOfNames('platform', [dnOf('bob'), groupDn('sre')]));
  out.push(groupOfNames('sre', [dnOf('carol')]));
  // A cycle: cycle-a > cycle-b > cycle-a.
  out.push(groupOfNames('cycle-a', [groupDn('cycle-b')]));
  out.push(groupOfNames('cycle-b', [groupDn('cycle-a'), dnOf('dave')]));
  // Member DNs in other spellings: upper case with blanks, and UTF-8 as hex escapes.
  out.push(groupOfNames('Développeurs', ['UID=jose, OU=People, DC=example, DC=com', `cn=Zo\\C3\\AB \\C3\\85ngstr\\C3\\B6m,${PEOPLE}`]));
  // Members outside the synced set: a user in another subtree and a DN that does not exist.
  out.push(groupOfNames('mixed', [dnOf('alice'), `uid=outsider,ou=elsewhere,${SUFFIX}`, `uid=ghost,${PEOPLE}`]));
  out.push(entry(groupDn('auditors'), [['objectClass', 'groupOfUniqueNames'], ['cn', 'auditors'], ['uniqueMember', dnOf('eve')], ['uniqueMember', `${dnOf('dave')}#'0101'B`]]));
  out.push(entry(groupDn('devs'), [['objectClass', 'posixGroup'], ['cn', 'devs'], ['gidNumber', '5000'], ['memberUid', 'alice'], ['memberUid', 'zoe'], ['memberUid', 'nobody']]));
  out.push(groupOfNames('big', Array.from({ length: bigGroupSize }, (_, i) => `uid=${bulkUid(i + 1)},${PEOPLE}`)));
  return out.join('\n');
}

/** Roles over the test directory's groups (source id `corp`). */
export const TEST_ROLES = [
  { name: 'engineer', rank: 5, grantedBy: [{ group: { source: 'corp', name: 'engineering' } }] },
  { name: 'cycler', rank: 4, grantedBy: [{ group: { source: 'corp', name: 'cycle-a' } }] },
  { name: 'developer', rank: 3, grantedBy: [{ group: { source: 'corp', name: 'devs' } }, { group: { source: 'corp', name: 'Développeurs' } }] },
  { name: 'auditor', rank: 2, grantedBy: [{ group: { source: 'corp', name: 'auditors' } }] },
  { name: 'crowd', rank: 1, grantedBy: [{ group: { source: 'corp', name: 'big' } }] },
  { name: 'mixer', rank: 0, grantedBy: [{ group: { source: 'corp', name: 'mixed' } }] },
];
