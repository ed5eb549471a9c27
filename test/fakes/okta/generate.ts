import { seededRandom } from '../../../bench/seeded-random.js';
import { USER_STATUSES, type FakeOrg, type GroupType } from './org.js';

export interface OrgSpec {
  readonly users: number;
  readonly groups: number;
  readonly memberships: number;
  readonly seed?: number;
}

export interface OrgSummary {
  readonly users: number;
  readonly groups: number;
  readonly memberships: number;
  readonly largestGroup: number;
  /** Pages a full read of every group's members takes (at 1,000 members a page). */
  readonly memberPages: number;
}

const DEPARTMENTS = ['Engineering', 'Sales', 'Support', 'Finance', 'Legal', 'Clinical', 'Research', 'Operations'];

/**
 * Fills a fake org with a reproducible directory: mostly ACTIVE users (a few of every other
 * status), OKTA_GROUP and APP_GROUP groups whose sizes follow a long tail (a few groups of tens
 * of thousands, most of a few dozen; in random order), every group with at least one member. Timestamps are a day
 * old, so an incremental run sees only what changes afterwards. No System Log events are written.
 */
export function generateOrg(org: FakeOrg, spec: OrgSpec): OrgSummary {
  const rnd = seededRandom(spec.seed ?? 42);
  const at = new Date(Date.now() - 86_400_000).toISOString();
  const userIds: string[] = [];
  for (let i = 0; i < spec.users; i++) {
    const r = rnd.next();
    const status = r < 0.94 ? 'ACTIVE' : USER_STATUSES[Math.floor(((r - 0.94) / 0.06) * USER_STATUSES.length)]!;
    const login = `user${i}@example.com`;
    userIds.push(
      org.addUser(
        {
          login,
          firstName: `First${i}`,
          lastName: `Last${i}`,
          status,
          emailVerified: rnd.chance(0.9),
          profile: { department: rnd.pick(DEPARTMENTS), title: `Title ${i % 50}`, employeeNumber: String(100000 + i), mobilePhone: null, secondEmail: null },
        },
        { silent: true, at },
      ),
    );
  }
  // Long-tailed sizes: weight 1/(rank+10)^1.1, scaled to the total, at least 1, at most every user.
  const weights = Array.from({ length: spec.groups }, (_, i) => 1 / (i + 10) ** 1.1);
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.max(1, Math.min(spec.users, Math.round((w / sum) * spec.memberships))));
  // Big and small groups are created in no particular order, as in a real org.
  for (let i = sizes.length - 1; i > 0; i--) {
    const j = rnd.int(i + 1);
    [sizes[i], sizes[j]] = [sizes[j]!, sizes[i]!];
  }
  let total = 0;
  let memberPages = 0;
  for (let gi = 0; gi < spec.groups; gi++) {
    const type: GroupType = rnd.chance(0.8) ? 'OKTA_GROUP' : 'APP_GROUP';
    const gid = org.addGroup({ name: `group-${gi}`, type, description: `generated group ${gi}` }, { silent: true, at });
    const g = org.group(gid);
    const size = sizes[gi]!;
    // Distinct members: a walk with a step coprime to the user count from a random start.
    const n = userIds.length;
    let step = 1 + rnd.int(n - 1 || 1);
    while (gcd(step, n) !== 1) step++;
    const start = rnd.int(n);
    const members = new Array<string>(size);
    for (let j = 0; j < size; j++) members[j] = userIds[(start + j * step) % n]!;
    members.sort();
    g.members = members;
    total += size;
    memberPages += Math.max(1, Math.ceil(size / 1000));
  }
  return { users: spec.users, groups: spec.groups, memberships: total, largestGroup: Math.max(...sizes), memberPages };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
