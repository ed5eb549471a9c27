/**
 * The fake Okta org in a worker thread, so a benchmark's fake (generating and serving a large
 * org) does not share an event loop with the connector it measures. Driven by FakeOktaWorker.
 */
import { parentPort, Worker } from 'node:worker_threads';
import { seededRandom } from '../../../bench/seeded-random.js';
import { generateOrg, type OrgSpec } from './generate.js';
import type { FakeBucket } from './rate-limits.js';
import { FakeOkta, type FakeOktaOptions } from './server.js';

export interface FakeStats {
  readonly requests: number;
  readonly byBucket: Record<string, number>;
  readonly enforced429: number;
  readonly injected429: number;
  readonly maxInFlight: number;
  readonly limits: Record<FakeBucket, number>;
  readonly windowMs: number;
  /** Per bucket: requests in each window from the first to the last used (0 for idle windows). */
  readonly windows: Record<string, number[]>;
  /** Ms from the first to the last counted request's window start, plus the start offset of the first. */
  readonly firstWindowStart: number;
}

export interface ChangeSummary {
  readonly usersUpdated: number;
  readonly usersDeactivated: number;
  readonly groupsChanged: number;
  readonly membershipsAdded: number;
  readonly membershipsRemoved: number;
}

type Command =
  | { cmd: 'start'; spec: OrgSpec; options: FakeOktaOptions }
  | { cmd: 'stats' }
  | { cmd: 'resetStats' }
  | { cmd: 'change'; fraction: number; seed: number }
  | { cmd: 'stop' };

let fake: FakeOkta | null = null;

async function run(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'start': {
      fake = await new FakeOkta(c.options).start();
      fake.recordRequests = false;
      const summary = generateOrg(fake.org, c.spec);
      return { url: fake.url, summary };
    }
    case 'stats': {
      const f = fake!;
      const byBucket = { ...f.limits.counted };
      for (const [k, v] of Object.entries(f.limits.rejected)) byBucket[k] = (byBucket[k] ?? 0) + v;
      const stats: FakeStats = {
        requests: Object.values(byBucket).reduce((a, b) => a + b, 0) + f.injected429,
        byBucket,
        enforced429: f.enforced429,
        injected429: f.injected429,
        maxInFlight: f.maxInFlight,
        limits: f.limits.limits,
        windowMs: f.limits.windowMs,
        windows: Object.fromEntries(
          [...f.limits.history].map(([b, h]) => {
            const ks = [...h.keys()];
            const lo = Math.min(...ks);
            return [b, Array.from({ length: Math.max(...ks) - lo + 1 }, (_, i) => h.get(lo + i) ?? 0)];
          }),
        ),
        firstWindowStart: Math.min(...[...f.limits.history.values()].flatMap((h) => [...h.keys()])) * f.limits.windowMs,
      };
      return stats;
    }
    case 'resetStats': {
      const f = fake!;
      for (const k of Object.keys(f.limits.counted)) delete f.limits.counted[k];
      for (const k of Object.keys(f.limits.rejected)) delete f.limits.rejected[k];
      f.limits.history.clear();
      f.enforced429 = 0;
      f.injected429 = 0;
      f.maxInFlight = 0;
      return null;
    }
    case 'change':
      return change(fake!, c.fraction, c.seed);
    case 'stop':
      await fake?.stop();
      return null;
  }
}

/** Changes `fraction` of the org: users' profiles, a tenth of that deactivated, groups' members. */
function change(f: FakeOkta, fraction: number, seed: number): ChangeSummary {
  const rnd = seededRandom(seed);
  const org = f.org;
  const users = org.userIds;
  const nUsers = Math.round(users.length * fraction);
  for (let i = 0; i < nUsers; i++) org.updateUser(rnd.pick(users), { title: `Changed ${seed}-${i}` });
  const nDeactivate = Math.round(nUsers / 10);
  for (let i = 0; i < nDeactivate; i++) org.setStatus(rnd.pick(users), 'DEPROVISIONED');
  const nGroups = Math.round(org.groupIds.length * fraction);
  let added = 0;
  let removed = 0;
  for (let i = 0; i < nGroups; i++) {
    const g = org.group(rnd.pick(org.groupIds));
    for (let k = 0; k < 2; k++) {
      const before = g.members.length;
      org.addMember(g.id, rnd.pick(users));
      added += g.members.length - before;
    }
    if (g.members.length > 1) {
      org.removeMember(g.id, rnd.pick(g.members));
      removed++;
    }
  }
  return { usersUpdated: nUsers, usersDeactivated: nDeactivate, groupsChanged: nGroups, membershipsAdded: added, membershipsRemoved: removed };
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (m: { id: number; c: Command }) => {
    run(m.c).then(
      (value) => port.postMessage({ id: m.id, value }),
      (err: unknown) => port.postMessage({ id: m.id, error: (err as Error).stack ?? String(err) }),
    );
  });
}

/** Runs the fake in a worker thread and talks to it. */
export class FakeOktaWorker {
  private readonly worker = new Worker(new URL(import.meta.url));
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor() {
    this.worker.on('message', (m: { id: number; value?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error));
      else p?.resolve(m.value);
    });
  }

  call<T>(c: Command): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, c });
    });
  }

  async stop(): Promise<void> {
    await this.call({ cmd: 'stop' });
    await this.worker.terminate();
  }
}
