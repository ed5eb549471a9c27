/**
 * Operations benchmark: decision-socket throughput and latency while a 100k-user full sync is
 * being applied (by a separate writer process, as the daemon's provider does), compared with
 * the same responder idle in the same run. The responder follows the store and swaps in the new
 * index; the target is p99 <= 2 ms during the apply (the swap must not stall requests).
 *   node --max-old-space-size=4096 dist/bench/socket-during-apply.js [users] [percentChanged] [rate] [pacedRounds] [saturatedRounds]
 * Environment: ROSTER_BENCH_TIMELINE=1 prints answers over 2 ms per second of each window;
 * ROSTER_BENCH_WRITER_PRIORITY (see writerEnv); ROSTER_BENCH_LOG_MODE (decision log, default
 * async); ROSTER_BENCH_RESPONDER_FLAGS (node flags for the responder, e.g. --trace-gc);
 * ROSTER_BENCH_BARE=1 alternates the paced rounds with a baseline: the bare node:http server of
 * bench/socket-bare-server.ts (no decision work) paced the same way while a writer applies, from
 * the writer's start to its end. What that server cannot reach under the same apply, no responder can.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPEC_100K, SPEC_10K } from './generate-directory.js';
import { median } from './measure.js';
import { writeResponderConfig } from './responder-config.js';
import { paced, quantiles, requestFrames, saturate } from './socket-load-client.js';
import { RESPONDER_PROCESS } from '../src/responder-process.js';

const users = Number(process.argv[2] ?? 100_000);
const percent = Number(process.argv[3] ?? 10);
const rate = Number(process.argv[4] ?? 1800);
const PACED_ROUNDS = Number(process.argv[5] ?? 3);
const SATURATED_ROUNDS = Number(process.argv[6] ?? 2);
const spec = users >= 100_000 ? SPEC_100K : { ...SPEC_10K, users };
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'roster-apply-sock-'));
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function run(file: string, args: string[], opts: { ipcReady?: boolean; execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): { child: ChildProcess; ready: Promise<void>; done: Promise<number | null> } {
  const child = fork(file, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: opts.execArgv ?? [], env: opts.env ?? process.env });
  children.add(child);
  const done = new Promise<number | null>((resolve) => child.once('exit', (code) => (children.delete(child), resolve(code))));
  const ready = opts.ipcReady ? new Promise<void>((resolve, reject) => {
    child.on('message', (m) => m === 'ready' && resolve());
    void done.then((code) => reject(new Error(`${file} exited during start (${code})`)));
  }) : Promise.resolve();
  return { child, ready, done };
}

const socket = join(dir, 'decision.sock');
console.log(`decisions during a full sync: ${users} users, ${percent}% changed; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const build = run(join(here, 'socket-build-store.js'), [dir, String(users)], { execArgv: ['--max-old-space-size=4096'] });
if ((await build.done) !== 0) throw new Error('building the store failed');
const config = writeResponderConfig(dir, spec, process.env.ROSTER_BENCH_LOG_MODE ?? 'async');
// The daemon's flags for its responder (ROSTER_BENCH_RESPONDER_EXECARGV replaces them, to compare),
// plus any from ROSTER_BENCH_RESPONDER_FLAGS (e.g. --cpu-prof).
const baseFlags = process.env.ROSTER_BENCH_RESPONDER_EXECARGV?.split(' ').filter(Boolean) ?? RESPONDER_PROCESS.execArgv;
const responderFlags = [...baseFlags, ...(process.env.ROSTER_BENCH_RESPONDER_FLAGS?.split(' ').filter(Boolean) ?? [])];
const responder = run(RESPONDER_PROCESS.entry, ['-c', config, '--log-level', 'warn'], { ipcReady: true, execArgv: responderFlags });
await responder.ready;
const bareSocket = join(dir, 'bare.sock');
const bare = process.env.ROSTER_BENCH_BARE ? run(join(here, 'socket-bare-server.js'), [bareSocket], { ipcReady: true }) : null;
await bare?.ready;
const frames = requestFrames(JSON.parse(readFileSync(join(dir, 'requests.json'), 'utf8')) as string[]);
await saturate(socket, frames, { connections: 32, durationMs: 3000 }); // warm-up

/**
 * The writer's CPU priority per round: as the daemon's provider (every thread at nice 10) unless
 * ROSTER_BENCH_WRITER_PRIORITY says otherwise (see socket-apply-writer.ts); a comma list (e.g.
 * "main-thread,nice") alternates by round, so two settings are compared under the same noise.
 */
function writerEnv(round: number): NodeJS.ProcessEnv {
  const modes = process.env.ROSTER_BENCH_WRITER_PRIORITY?.split(',');
  return modes ? { ...process.env, ROSTER_BENCH_WRITER_PRIORITY: modes[(round - 1) % modes.length] } : process.env;
}

/** The role-state version the responder answers from (its /readyz). */
function answeringVersion(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path: '/readyz' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve((JSON.parse(body) as { roleStateVersion?: number }).roleStateVersion ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves once the writer is done and the responder answers from the version it wrote. */
async function appliedAndSwapped(writer: { done: Promise<number | null> }, version: number): Promise<void> {
  if ((await writer.done) !== 0) throw new Error('the apply writer failed');
  while ((await answeringVersion()) < version) await sleep(20);
}

/**
 * Runs `load` idle (the responder answers from the latest version), then again from the moment
 * a writer starts a full sync until the responder has swapped in the version it wrote: the
 * whole apply, the follow and the swap are inside the measured window.
 */
async function duringApply<T extends { slowSentAt?: readonly number[] }>(round: number, load: (durationMs: number, stop?: Promise<void>) => Promise<T>, baseline = false): Promise<{ idle: T; busy: T; ms: number }> {
  const idleT0 = performance.now();
  const idle = await load(8000);
  if (process.env.ROSTER_BENCH_TIMELINE && idle.slowSentAt) {
    const perSecond = new Array<number>(8).fill(0);
    for (const at of idle.slowSentAt) perSecond[Math.min(7, Math.max(0, Math.floor((at - idleT0) / 1000)))]!++;
    console.log(`  idle: over 2 ms per second: ${perSecond.join(' ')}`);
  }
  const version = (await answeringVersion()) + 1;
  const t0 = performance.now();
  const writer = run(join(here, 'socket-apply-writer.js'), [dir, String(users), String(percent), String(round)], { execArgv: ['--max-old-space-size=4096'], env: writerEnv(round) });
  let written = 0;
  void writer.done.then(() => (written = performance.now()));
  // The bare baseline has no index to swap: its window ends when the writer is done.
  const swapped = baseline ? writer.done.then(() => undefined) : appliedAndSwapped(writer, version);
  const busy = await load(600_000, swapped);
  await swapped;
  const ms = performance.now() - t0;
  // Outside the window: the responder follows the baseline's version too before the next round.
  if (baseline) await appliedAndSwapped(writer, version);
  // ROSTER_BENCH_TIMELINE=1: answers over 2 ms per second of the window, and when the writer committed.
  if (process.env.ROSTER_BENCH_TIMELINE && busy.slowSentAt) {
    const perSecond = new Array<number>(Math.ceil(ms / 1000)).fill(0);
    for (const at of busy.slowSentAt) perSecond[Math.max(0, Math.floor((at - t0) / 1000))]!++;
    console.log(`  over 2 ms per second: ${perSecond.join(' ')}; writer committed at ${((written - t0) / 1000).toFixed(1)} s, swapped at ${(ms / 1000).toFixed(1)} s`);
  }
  return { idle, busy, ms };
}

const fmt = (ms: number | undefined): string => `${((ms ?? NaN) * 1000).toFixed(0)} µs`;
const drops: number[] = [];
for (let round = 1; round <= SATURATED_ROUNDS; round++) {
  const { idle, busy } = await duringApply(round, (ms) => saturate(socket, frames, { connections: 32, durationMs: Math.min(ms, 8000) }));
  drops.push(busy.rps / idle.rps);
  console.log(`round ${round} saturated: idle ${idle.rps.toFixed(0)} req/s, during the first 8 s of the apply ${busy.rps.toFixed(0)} req/s (${(100 * busy.rps / idle.rps).toFixed(0)}%), errors ${busy.errors + busy.non200}`);
}
const p99s: number[] = [];
const bareP99s: number[] = [];
for (let round = SATURATED_ROUNDS + 1; p99s.length < PACED_ROUNDS || (bare !== null && bareP99s.length < p99s.length); round++) {
  // With ROSTER_BENCH_BARE, every responder round is followed by a bare-server round.
  const baseline = bare !== null && p99s.length > bareP99s.length;
  const target = baseline ? bareSocket : socket;
  // The timer pacer: a spinning client would take a core from the responder while the writer holds the other.
  const { idle, busy, ms } = await duringApply(round, (durationMs, stop) => paced(target, frames, { connections: 32, durationMs, rate, pacer: 'timer', stop }), baseline);
  const [ip50, ip99] = quantiles(idle.latencyMs, [0.5, 0.99]);
  const [bp50, bp99, bmax] = quantiles(busy.latencyMs, [0.5, 0.99, 1]);
  if (baseline) bareP99s.push(bp99!);
  else p99s.push(bp99!);
  const mode = writerEnv(round).ROSTER_BENCH_WRITER_PRIORITY;
  const what = baseline ? 'bare server' : 'responder';
  console.log(`round ${round}, ${what}${mode ? ` (writer ${mode})` : ''}, paced at ${rate}/s: idle p50 ${fmt(ip50)} p99 ${fmt(ip99)}; during the apply${baseline ? '' : ' and swap'} (${(ms / 1000).toFixed(1)} s, ${busy.requests} requests) p50 ${fmt(bp50)} p99 ${fmt(bp99)} max ${fmt(bmax)}, errors ${busy.errors + busy.non200}`);
}
const bareSummary = bareP99s.length ? `; the bare server's p99 during an apply ${fmt(median(bareP99s))} (median of ${bareP99s.length})` : '';
console.log(`summary: throughput during the apply ${drops.length ? `${(100 * median(drops)).toFixed(0)}% of idle (median of ${drops.length})` : 'not measured'}; p99 during the apply ${fmt(median(p99s))} (median of ${p99s.length}; target <= 2 ms)${bareSummary}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
responder.child.kill('SIGTERM');
bare?.child.kill('SIGTERM');
await responder.done;
await bare?.done;
