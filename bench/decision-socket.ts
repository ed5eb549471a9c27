/**
 * Decisions benchmark (b): the decision socket under a keep-alive load client, with the decision
 * log `off`, `async` and `durable`, next to a bare node:http server on a Unix socket measured in
 * the same run, interleaved (bare, off, async, durable, bare, ...) so machine noise hits all alike.
 *
 *   node --max-old-space-size=4096 dist/bench/decision-socket.js [--users 100000] [--rounds 3]
 *     [--seconds 10] [--warmup 3] [--connections 64] [--paced-rounds 2] [--paced-seconds 5] [--pacer spin|timer]
 *     [--paced-rate N]  (every mode at N req/s instead of half its maximum)
 *     [--profile off,async,durable] [--profile-seconds 5] [--profile-rate N]
 *   (ROSTER_BENCH_PROFILE=<modes> works like --profile: after the table, one short saturated run per
 *   named mode against a responder started with --cpu-prof, reporting the top self-time functions.)
 *
 * One store is built per run (real applier, the generated 100k-user directory, a 200-route
 * policy recorded as in force) in a child process; each mode is a real responder process started
 * as the daemon starts it (src/responder-main.ts, forked with an IPC channel and the
 * daemon's node flags, RESPONDER_PROCESS.execArgv), all on Unix sockets in one temp dir. Targets (the "Decisions" issue): >= 80% of the
 * bare server's throughput with logging off, >= 60% with durable logging, p99 <= 1 ms at half of
 * the maximum load, responder RSS <= 200 MB with 100k users loaded.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { generatedRoles, SPEC_100K, SPEC_10K } from './generate-directory.js';
import { median } from './measure.js';
import { paced, quantiles, requestFrames, saturate, type RunResult } from './socket-load-client.js';
import { RESPONDER_PROCESS } from '../src/responder-process.js';

const { values: opt } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    'paced-rounds': { type: 'string', default: '2' },
    'paced-seconds': { type: 'string', default: '5' },
    'paced-connections': { type: 'string', default: '64' },
    /** A fixed rate (req/s) for every mode instead of half of each mode's maximum (latency at a gateway's everyday load). */
    'paced-rate': { type: 'string', default: '0' },
    /** spin: setImmediate pacing (exact schedule, one busy client core); timer: setTimeout (~1 ms bursts). */
    pacer: { type: 'string', default: 'spin' },
    profile: { type: 'string', default: process.env.ROSTER_BENCH_PROFILE ?? '' },
    'profile-seconds': { type: 'string', default: '5' },
    /** Profile at this fixed rate (req/s) instead of at saturation. */
    'profile-rate': { type: 'string', default: '0' },
  },
});
const USERS = Number(opt.users);
const ROUNDS = Number(opt.rounds);
const SECONDS = Number(opt.seconds);
const WARMUP = Number(opt.warmup);
const CONNECTIONS = Number(opt.connections);
const PACED_ROUNDS = Number(opt['paced-rounds']);
const PACED_SECONDS = Number(opt['paced-seconds']);
const PACED_CONNECTIONS = Number(opt['paced-connections']);
const PACED_RATE = Number(opt['paced-rate']);
const PACER = opt.pacer === 'timer' ? 'timer' : 'spin';
const PROFILE = opt.profile ?? '';
const PROFILE_SECONDS = Number(opt['profile-seconds']);
const PROFILE_RATE = Number(opt['profile-rate']);

type Mode = 'bare' | 'off' | 'async' | 'durable';
const MODES: readonly Mode[] = ['bare', 'off', 'async', 'durable'];
const LOG_MODES = ['off', 'async', 'durable'] as const;
type LogMode = (typeof LOG_MODES)[number];

const here = dirname(fileURLToPath(import.meta.url));
const started = performance.now();
const dir = mkdtempSync(join(tmpdir(), 'roster-sock-'));
const children = new Set<ChildProcess>();

// Children and the temp dir go away however this process ends.
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

/** Forks a process that says 'ready' over IPC (the responder, the bare server); rejects if it exits first. */
function startChild(file: string, args: string[], execArgv: string[] = []): Promise<{ child: ChildProcess; ms: number }> {
  const t0 = performance.now();
  // Not this process's --max-old-space-size: the bare server gets no flags, the responder the daemon's.
  const child = fork(file, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`${basename(file)} ${args.join(' ')} exited during start (code ${code})`));
    child.once('exit', onExit);
    child.on('message', (m) => {
      if (m !== 'ready') return;
      child.off('exit', onExit);
      resolve({ child, ms: performance.now() - t0 });
    });
  });
}

function stopChild(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function procStatusMb(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), hwm: Math.round(kb('VmHWM') / 1024) };
}

/** CPU time (user + system, all threads) of a process, in ms (CLK_TCK = 100). */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const us = (ms: number | undefined): string => (ms === undefined || Number.isNaN(ms) ? '-' : (ms * 1000).toFixed(0));
const pad = (s: string | number, n: number): string => String(s).padStart(n);

function writeConfig(name: string, mode: LogMode, socket: string): string {
  const spec = USERS >= 100_000 ? SPEC_100K : { ...SPEC_10K, users: USERS };
  const config = {
    store: { path: join(dir, 'roster.db') },
    log: { level: 'warn' },
    listen: { decision: { path: socket, mode: '0600' }, admin: { path: join(dir, `${name}-admin.sock`), mode: '0600' } },
    policy: { file: join(dir, 'policy.yaml') },
    decisionLog: { mode, path: join(dir, `${name}-decisions.db`) },
    identity: { link: [{ by: 'email' }] },
    roles: generatedRoles(spec, 'dir').map((r) => ({ name: r.name, rank: r.rank, grantedBy: [{ group: { source: 'dir', id: `g${String(r.rank).padStart(5, '0')}` } }] })),
    sources: [{ id: 'dir', type: 'static', maxStaleness: '7d', options: { file: join(dir, 'static.yaml') } }],
  };
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

interface Sat {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly serverCpu: number;
  readonly clientCpu: number;
  readonly r: RunResult;
}

/** Answers per socket over the whole run (for bytes per decision-log record). */
const answered = new Map<string, number>();
const count = (socket: string, r: RunResult): void => void answered.set(socket, (answered.get(socket) ?? 0) + r.requests);

/** One run of the load client against a server process: its answers, latency and the CPU both used. */
async function measure(pid: number, socket: string, run: () => Promise<RunResult>): Promise<Sat> {
  const cpu0 = procCpuMs(pid);
  const r = await run();
  const serverCpuMs = procCpuMs(pid) - cpu0;
  count(socket, r);
  if (r.errors || r.non200) console.log(`  !! ${r.errors} errors, ${r.non200} non-200 answers`);
  const [p50, p99] = quantiles(r.latencyMs, [0.5, 0.99]);
  return { rps: r.rps, p50: p50!, p99: p99!, serverCpu: serverCpuMs / (r.seconds * 1000), clientCpu: r.clientCpuMs / (r.seconds * 1000), r };
}

const measureSat = (pid: number, socket: string, frames: Buffer[], seconds: number): Promise<Sat> =>
  measure(pid, socket, () => saturate(socket, frames, { connections: CONNECTIONS, durationMs: seconds * 1000 }));

const measurePaced = (pid: number, socket: string, frames: Buffer[], seconds: number, rate: number): Promise<Sat> =>
  measure(pid, socket, () => paced(socket, frames, { connections: PACED_CONNECTIONS, durationMs: seconds * 1000, rate, pacer: PACER }));

async function main(): Promise<void> {
  console.log(`decision socket benchmark: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}`);
  console.log(`temp dir ${dir}; ${CONNECTIONS} keep-alive connections; ${ROUNDS} x ${SECONDS} s per mode at saturation (interleaved), ${PACED_ROUNDS} x ${PACED_SECONDS} s paced at 50%`);

  // 1. The store, the policy and the request mix (own process).
  writeFileSync(join(dir, 'static.yaml'), 'principals: []\n');
  const build = fork(join(here, 'socket-build-store.js'), [dir, String(USERS)], { stdio: 'inherit', execArgv: ['--max-old-space-size=4096'] });
  children.add(build);
  const code = await new Promise<number | null>((resolve) => build.once('exit', resolve));
  children.delete(build);
  if (code !== 0) throw new Error(`building the store failed (code ${code})`);
  const bodies = JSON.parse(readFileSync(join(dir, 'requests.json'), 'utf8')) as string[];
  const frames = requestFrames(bodies);

  // 2. The servers: the bare baseline and one responder per log mode, all listening at once.
  const sockets = new Map<Mode, string>(MODES.map((m) => [m, join(dir, `${m}.sock`)]));
  const pids = new Map<Mode, number>();
  const startRss = new Map<Mode, { rss: number; hwm: number }>();
  const bare = await startChild(join(here, 'socket-bare-server.js'), [sockets.get('bare')!]);
  pids.set('bare', bare.child.pid!);
  const childOf = new Map<Mode, ChildProcess>([['bare', bare.child]]);
  for (const m of LOG_MODES) {
    const { child, ms } = await startChild(RESPONDER_PROCESS.entry, ['-c', writeConfig(m, m, sockets.get(m)!), '--log-level', 'warn'], [...RESPONDER_PROCESS.execArgv]);
    pids.set(m, child.pid!);
    childOf.set(m, child);
    await sleep(500);
    startRss.set(m, procStatusMb(child.pid!));
    console.log(`responder (decision log ${m}) ready in ${(ms / 1000).toFixed(1)} s, RSS ${startRss.get(m)!.rss} MB (peak ${startRss.get(m)!.hwm} MB)`);
  }

  // 3. Warm-up (JIT, caches, log files), then the interleaved rounds at saturation.
  for (const m of WARMUP > 0 ? MODES : []) {
    const w = await measureSat(pids.get(m)!, sockets.get(m)!, frames, WARMUP);
    const mix = m === 'bare' ? '' : `; answers ${w.r.allow} allow / ${w.r.deny} deny (${((100 * w.r.allow) / Math.max(1, w.r.allow + w.r.deny)).toFixed(0)}% allow)`;
    console.log(`warm-up ${m}: ${w.rps.toFixed(0)} req/s${mix}`);
  }
  const sat = new Map<Mode, Sat[]>(MODES.map((m) => [m, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    const line: string[] = [];
    for (const m of MODES) {
      await sleep(300);
      const s = await measureSat(pids.get(m)!, sockets.get(m)!, frames, SECONDS);
      sat.get(m)!.push(s);
      line.push(`${m} ${s.rps.toFixed(0)}`);
    }
    console.log(`round ${round}: ${line.join(', ')} req/s`);
  }

  // 4. Fixed rate at half of each mode's median maximum, interleaved.
  const maxOf = (m: Mode): number => median(sat.get(m)!.map((s) => s.rps));
  const pacedRuns = new Map<Mode, { rate: number; r: RunResult; serverCpu: number }[]>(MODES.map((m) => [m, []]));
  for (let round = 1; round <= PACED_ROUNDS; round++) {
    for (const m of MODES) {
      await sleep(300);
      const rate = PACED_RATE > 0 ? PACED_RATE : Math.round(maxOf(m) / 2);
      const { r, serverCpu } = await measurePaced(pids.get(m)!, sockets.get(m)!, frames, PACED_SECONDS, rate);
      pacedRuns.get(m)!.push({ rate, r, serverCpu });
    }
    console.log(`paced round ${round} done`);
  }
  const endRss = new Map<Mode, { rss: number; hwm: number }>(MODES.map((m) => [m, procStatusMb(pids.get(m)!)]));

  // 5. Report.
  const bareMax = maxOf('bare');
  console.log(`\nSaturation (${CONNECTIONS} keep-alive connections, ${ROUNDS} x ${SECONDS} s per mode, interleaved; medians of the rounds)`);
  console.log(`${'mode'.padEnd(8)} ${pad('req/s', 8)} ${pad('min-max', 13)} ${pad('vs bare', 8)} ${pad('p50 µs', 7)} ${pad('p99 µs', 7)} ${pad('server CPU', 10)} ${pad('CPU µs/req', 10)} ${pad('client CPU', 10)}`);
  for (const m of MODES) {
    const runs = sat.get(m)!;
    if (runs.length === 0) continue; // --rounds 0
    const rps = runs.map((s) => s.rps);
    const max = maxOf(m);
    const cpu = median(runs.map((s) => s.serverCpu));
    console.log(
      `${m.padEnd(8)} ${pad(max.toFixed(0), 8)} ${pad(`${Math.min(...rps).toFixed(0)}-${Math.max(...rps).toFixed(0)}`, 13)} ${pad(((100 * max) / bareMax).toFixed(0) + '%', 8)} ` +
        `${pad(us(median(runs.map((s) => s.p50))), 7)} ${pad(us(median(runs.map((s) => s.p99))), 7)} ${pad((100 * cpu).toFixed(0) + '%', 10)} ${pad(((cpu * 1e6) / max).toFixed(1), 10)} ${pad((100 * median(runs.map((s) => s.clientCpu))).toFixed(0) + '%', 10)}`,
    );
  }
  console.log(`\nFixed rate ${PACED_RATE > 0 ? `of ${PACED_RATE} req/s` : "at 50% of each mode's median maximum"} (${PACED_CONNECTIONS} connections, ${PACED_ROUNDS} x ${PACED_SECONDS} s, ${PACER} pacer; median of the rounds' percentiles)`);
  console.log(`${'mode'.padEnd(8)} ${pad('rate', 7)} ${pad('achieved', 8)} ${pad('p50 µs', 7)} ${pad('p99 µs', 7)} ${pad('p99.9 µs', 8)} ${pad('max µs', 7)} ${pad('p99 from due µs', 15)} ${pad('server CPU', 10)}`);
  const pacedP99 = new Map<Mode, number>();
  for (const m of MODES) {
    const runs = pacedRuns.get(m)!;
    if (runs.length === 0) continue; // --paced-rounds 0
    const q = runs.map((p) => quantiles(p.r.latencyMs, [0.5, 0.99, 0.999, 1]));
    const due = runs.map((p) => quantiles(p.r.fromDueMs!, [0.99])[0]!);
    const col = (i: number): number => median(q.map((x) => x[i]!));
    pacedP99.set(m, col(1));
    console.log(
      `${m.padEnd(8)} ${pad(runs[0]?.rate ?? 0, 7)} ${pad(median(runs.map((p) => p.r.rps)).toFixed(0), 8)} ${pad(us(col(0)), 7)} ${pad(us(col(1)), 7)} ${pad(us(col(2)), 8)} ${pad(us(col(3)), 7)} ${pad(us(median(due)), 15)} ${pad((100 * median(runs.map((p) => p.serverCpu))).toFixed(0) + '%', 10)}`,
    );
  }
  console.log(`\nResponder RSS (100k users = ${USERS >= 100_000 ? 'yes' : 'no, ' + USERS}): after start / after the load, VmRSS (VmHWM)`);
  for (const m of LOG_MODES) console.log(`  ${m.padEnd(8)} ${startRss.get(m)!.rss} MB (${startRss.get(m)!.hwm} MB) / ${endRss.get(m)!.rss} MB (${endRss.get(m)!.hwm} MB)`);
  console.log(`  bare     ${endRss.get('bare')!.rss} MB (${endRss.get('bare')!.hwm} MB) after the load`);

  const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  // Throughput ratios suffer when the shared machine keeps a server below one full core; the CPU
  // each request costs the server process (all threads, from /proc) is the steadier comparison.
  const cpuPerReq = (m: Mode): number => median(sat.get(m)!.map((s) => (s.serverCpu * 1e6) / s.rps));
  const cpuRatio = (m: Mode): string => `CPU-normalized ${((100 * cpuPerReq('bare')) / cpuPerReq(m)).toFixed(0)}% (${cpuPerReq(m).toFixed(0)} vs ${cpuPerReq('bare').toFixed(0)} CPU µs/req)`;
  const ratio = (m: Mode): number => maxOf(m) / bareMax;
  const maxHwm = Math.max(...LOG_MODES.map((m) => endRss.get(m)!.hwm));
  console.log('\nTargets');
  if (ROUNDS > 0) {
    console.log(`  logging off     >= 80% of bare: ${(100 * ratio('off')).toFixed(0)}%  ${verdict(ratio('off') >= 0.8)}; ${cpuRatio('off')}`);
    console.log(`  logging async   (no target):    ${(100 * ratio('async')).toFixed(0)}%; ${cpuRatio('async')}`);
    console.log(`  logging durable >= 60% of bare: ${(100 * ratio('durable')).toFixed(0)}%  ${verdict(ratio('durable') >= 0.6)}; ${cpuRatio('durable')}`);
  }
  const load = PACED_RATE > 0 ? `at ${PACED_RATE} req/s (not the target's 50% load)` : 'at 50% load';
  for (const m of LOG_MODES) console.log(`  p99 <= 1 ms ${load}, ${m.padEnd(7)}: ${us(pacedP99.get(m))} µs  ${verdict(pacedP99.get(m)! <= 1)} (bare server: ${us(pacedP99.get('bare'))} µs)`);
  console.log(`  responder RSS <= 200 MB (peak VmHWM of the three): ${maxHwm} MB  ${verdict(maxHwm <= 200)}`);

  // 6. Stop the servers gracefully (the logging responders flush their logs).
  await Promise.all([...childOf.values()].map((c) => stopChild(c)));
  const fileSize = (f: string): number => statSync(f, { throwIfNoEntry: false })?.size ?? 0;
  for (const m of ['async', 'durable'] as const) {
    const db = join(dir, `${m}-decisions.db`);
    const bytes = fileSize(db) + fileSize(db + '-wal');
    // Answers counted by the client; a few in flight at the end of a window are logged but not counted.
    const n = answered.get(sockets.get(m)!) ?? 0;
    console.log(`decision log (${m}): ~${n} records, ${(bytes / 1048576).toFixed(0)} MiB with WAL, ~${(bytes / Math.max(1, n)).toFixed(0)} bytes per record`);
  }

  for (const mode of PROFILE.split(',').filter(Boolean)) await profile(mode, frames);
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/** One short saturated run against a responder started with --cpu-prof: top self-time functions. */
async function profile(mode: string, frames: Buffer[]): Promise<void> {
  if (!(LOG_MODES as readonly string[]).includes(mode)) throw new Error(`--profile takes off, async or durable, not "${mode}"`);
  const profDir = join(dir, `cpu-prof-${mode}`);
  const socket = join(dir, `prof-${mode}.sock`);
  const { child } = await startChild(RESPONDER_PROCESS.entry, ['-c', writeConfig(`prof-${mode}`, mode as LogMode, socket), '--log-level', 'warn'], [...RESPONDER_PROCESS.execArgv, '--cpu-prof', '--cpu-prof-dir', profDir]);
  await saturate(socket, frames, { connections: CONNECTIONS, durationMs: 2000 });
  // V8 profile timestamps and process.hrtime are both CLOCK_MONOTONIC (µs vs ns): keep only the
  // samples of the measured window, not start-up (index build) or warm-up.
  const w0 = Number(process.hrtime.bigint() / 1000n);
  const s = PROFILE_RATE > 0 ? await measurePaced(child.pid!, socket, frames, PROFILE_SECONDS, PROFILE_RATE) : await measureSat(child.pid!, socket, frames, PROFILE_SECONDS);
  const w1 = Number(process.hrtime.bigint() / 1000n);
  await stopChild(child);
  // One profile per thread: the event loop's (thread 0) and the decision log worker's.
  const files = readdirSync(profDir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort((a, b) => threadOf(a) - threadOf(b));
  if (files.length === 0) throw new Error('the profiled responder wrote no .cpuprofile');
  for (const file of files) reportProfile(join(profDir, file), threadOf(file) === 0 ? 'main thread' : `thread ${threadOf(file)}`, mode, s, w0, w1);
}

/** A profile file's thread id: CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile. */
const threadOf = (file: string): number => Number(file.split('.').at(-3));

function reportProfile(file: string, thread: string, mode: string, s: Sat, w0: number, w1: number): void {
  interface Node {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  let ts = prof.startTime;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    ts += dt;
    if (ts < w0 || ts > w1) return;
    const f = byId.get(id)!.callFrame;
    total += dt;
    const where = f.url.startsWith('file://') ? relative(join(here, '..', '..'), fileURLToPath(f.url)) : f.url || '(native)';
    const key = `${f.functionName || '(anonymous)'}  ${where}${f.url ? ':' + (f.lineNumber + 1) : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const group = where.includes('node_modules/') ? 'npm:' + where.split('node_modules/').pop()!.split('/').slice(0, where.includes('node_modules/@') ? 2 : 1).join('/') : where;
    byFile.set(group, (byFile.get(group) ?? 0) + dt);
  });
  const requests = s.r.requests;
  const top = (m: Map<string, number>, n: number): string[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${pad(((100 * v) / total).toFixed(1), 5)}%  ${pad((v / requests).toFixed(1), 6)} µs/req  ${k}`);
  console.log(`\nCPU profile of the responder (${thread}), decision log ${mode}: ${s.rps.toFixed(0)} req/s over ${PROFILE_SECONDS} s (p50 ${us(s.p50)} µs, p99 ${us(s.p99)} µs), server CPU ${(100 * s.serverCpu).toFixed(0)}%; ${(total / 1000).toFixed(0)} ms of the ${((w1 - w0) / 1000).toFixed(0)} ms window sampled (profile spans ${((prof.endTime - prof.startTime) / 1e6).toFixed(1)} s)`);
  console.log('Top self time by function (share of the sampled wall time; µs per answered request). Native writev includes time the');
  console.log('process was descheduled while waking the client; (idle) is waiting for I/O or the log window:');
  console.log(top(self, 25).join('\n'));
  console.log('Self time by file / package:');
  console.log(top(byFile, 15).join('\n'));
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
} finally {
  await Promise.all([...children].map((c) => stopChild(c, 5_000)));
}
