/**
 * Operations benchmark: how long the responder's event loop is held while it follows one
 * role-state version of a 100k-user store, for versions of several sizes. Each size is followed
 * twice in the same process: by followIndex (what the responder runs) and, as the baseline, read
 * and patched in one synchronous step (how versions of up to 2,000 principals were followed
 * before). A turn is one pass of the event loop; a request arriving during a turn waits for it.
 *   node --max-old-space-size=4096 dist/bench/follow-version.js [users] [rounds]
 * The store is built and changed by socket-build-store.js and socket-apply-writer.js (each its own
 * process, as the daemon's provider is); each measurement runs in a fresh process with the
 * responder's flags.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePolicy } from '../src/config/load-policy.js';
import { patchDecisionIndex, type DecisionIndex } from '../src/policy/decision-index.js';
import { RESPONDER_PROCESS } from '../src/responder-process.js';
import { changesAt, followIndex, loadIndex } from '../src/serve/follow-role-store.js';
import { SqliteRoleStore } from '../src/store/sqlite-role-store.js';
import { generatedRoles, SPEC_100K, SPEC_10K } from './generate-directory.js';
import { median } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);

/** Follows version `to` from `to - 1` by `how`, timing every event-loop turn meanwhile. */
async function measure(dir: string, users: number, to: number, how: 'follow' | 'one-step'): Promise<object> {
  const spec = users >= 100_000 ? SPEC_100K : { ...SPEC_10K, users };
  const store = SqliteRoleStore.openReadonly(join(dir, 'roster.db'));
  const roles = generatedRoles(spec, 'dir');
  const { policy } = parsePolicy(readFileSync(join(dir, 'policy.yaml'), 'utf8'), 'policy.yaml', new Set(roles.map((r) => r.name)));
  const index = loadIndex(store.history, policy, { ranks: new Map(roles.map((r) => [r.name, r.rank])) }, to - 1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const turns: number[] = [];
  let done = false;
  let last = performance.now();
  const loop = (async () => {
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      const now = performance.now();
      turns.push(now - last);
      last = now;
    }
  })();
  const t0 = performance.now();
  const next = how === 'follow' ? await followIndex(store.history, index, to) : oneStep(store, index, to);
  const ms = performance.now() - t0;
  done = true;
  await loop;
  if (next.roleStateVersion !== to) throw new Error(`followed to ${next.roleStateVersion}, not ${to}`);
  store.close();
  turns.sort((a, b) => a - b);
  return { ms, turns: turns.length, longest: turns.at(-1) ?? 0, over2: turns.filter((x) => x > 2).length, heldOver2: turns.filter((x) => x > 2).reduce((a, b) => a + b, 0) };
}

/** The baseline: every changed principal read and patched in one synchronous step. */
function oneStep(store: SqliteRoleStore, index: DecisionIndex, to: number): DecisionIndex {
  const ids = new Set<string>();
  for (let after = ''; ; ) {
    const page = store.history.principalsTouchedPage(to, after, 10_000);
    for (const id of page) ids.add(id);
    if (page.length < 10_000) break;
    after = page[page.length - 1]!;
  }
  const changes = changesAt(store.history, [...ids], to);
  return patchDecisionIndex(index, to, changes);
}

function child(args: string[], flags: readonly string[] = ['--max-old-space-size=4096']): string {
  const r = spawnSync(process.execPath, [...flags, ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stdout}`);
  return r.stdout.trim();
}

async function main(): Promise<void> {
  if (process.argv[2] === '--measure') {
    const [, , , dir, users, to, how] = process.argv;
    console.log(JSON.stringify(await measure(dir!, Number(users), Number(to), how as 'follow' | 'one-step')));
    return;
  }
  const users = Number(process.argv[2] ?? 100_000);
  const rounds = Number(process.argv[3] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-follow-'));
  try {
    console.log(child([join(here, 'socket-build-store.js'), dir, String(users)]).split('\n').at(-1));
    // Versions of growing size: the writer changes `percent`% of users against the previous one.
    const sizes = [0.1, 0.5, 2, 10];
    for (const [i, percent] of sizes.entries()) {
      const version = i + 2;
      const applied = child([join(here, 'socket-apply-writer.js'), dir, String(users), String(percent), '1']).split('\n').at(-1)!;
      const principals = /"principals":(\d+)/.exec(applied)?.[1] ?? '?';
      const results: Record<'follow' | 'one-step', { ms: number; longest: number; over2: number; heldOver2: number }[]> = { follow: [], 'one-step': [] };
      for (let r = 0; r < rounds; r++) {
        for (const how of ['one-step', 'follow'] as const) {
          results[how].push(JSON.parse(child([self, '--measure', dir, String(users), String(version), how], RESPONDER_PROCESS.execArgv).split('\n').at(-1)!) as (typeof results)['follow'][number]);
        }
      }
      const line = (how: 'follow' | 'one-step'): string => {
        const m = (k: 'ms' | 'longest' | 'over2' | 'heldOver2'): string => median(results[how].map((x) => x[k])).toFixed(k === 'over2' ? 0 : 1);
        return `${how.padEnd(8)} done in ${m('ms')} ms; longest turn ${m('longest')} ms; ${m('over2')} turns over 2 ms holding ${m('heldOver2')} ms`;
      };
      console.log(`version ${version}: ${principals} principals changed (${percent}% of users), medians of ${rounds}:\n  ${line('one-step')}\n  ${line('follow')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
