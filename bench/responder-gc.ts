/**
 * Operations benchmark: what an idle responder's garbage collection does to its latency, per
 * decision-log mode. With 100k users loaded, the responder answers a paced load (no apply
 * running) under --trace-gc-nvp; reported per mode: p99, answers over 2 ms, the bytes its main
 * thread promoted to the old generation per second, and its full (mark-compact) collections.
 * Promotion is what brings on full collections, and each of those holds requests for hundreds of
 * ms on this heap: an async log that kept answered records alive promoted 0.87 MB/s (a full
 * collection every ~7 s, idle p99 3.6 ms and more) against 0.05 MB/s with the log off.
 *   node --max-old-space-size=4096 dist/bench/responder-gc.js [users] [seconds] [rate] [modes]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPEC_100K, SPEC_10K } from './generate-directory.js';
import { writeResponderConfig } from './responder-config.js';
import { paced, quantiles, requestFrames, saturate } from './socket-load-client.js';
import { RESPONDER_PROCESS } from '../src/responder-process.js';

const users = Number(process.argv[2] ?? 100_000);
const seconds = Number(process.argv[3] ?? 20);
const rate = Number(process.argv[4] ?? 1800);
const modes = (process.argv[5] ?? 'off,async,durable').split(',');
const spec = users >= 100_000 ? SPEC_100K : { ...SPEC_10K, users };
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'roster-responder-gc-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const build = fork(join(here, 'socket-build-store.js'), [dir, String(users)], { execArgv: ['--max-old-space-size=4096'] });
if ((await new Promise<number | null>((resolve) => build.once('exit', resolve))) !== 0) throw new Error('building the store failed');
const frames = requestFrames(JSON.parse(readFileSync(join(dir, 'requests.json'), 'utf8')) as string[]);
const socket = join(dir, 'decision.sock');

for (const mode of modes) {
  const config = writeResponderConfig(dir, spec, mode);
  const child = fork(RESPONDER_PROCESS.entry, ['-c', config, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], execArgv: [...RESPONDER_PROCESS.execArgv, '--trace-gc-nvp'] });
  let trace = '';
  child.stdout!.on('data', (d: Buffer) => (trace += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m) => m === 'ready' && resolve());
    child.once('exit', (code) => reject(new Error(`the responder exited during start (${code})`)));
  });
  await saturate(socket, frames, { connections: 32, durationMs: 3000 }); // warm-up, and the collection after loading
  const from = trace.length;
  const r = await paced(socket, frames, { connections: 32, durationMs: seconds * 1000, rate, pacer: 'timer' });
  const lines = trace.slice(from).split('\n');
  // The main thread's isolate is the first to trace; the decision log's thread traces too.
  const main = /^\[\d+:(0x[0-9a-f]+)\]/.exec(trace)?.[1];
  const mine = lines.filter((l) => main !== undefined && l.includes(`:${main}]`));
  const promoted = mine.reduce((sum, l) => sum + Number(/ promoted=(\d+)/.exec(l)?.[1] ?? 0), 0);
  const full = mine.filter((l) => l.includes('gc=mc')).length;
  const [p50, p99] = quantiles(r.latencyMs, [0.5, 0.99]);
  const slow = r.latencyMs.filter((ms) => ms > 2).length;
  console.log(`decision log ${mode}: p50 ${(p50! * 1000).toFixed(0)} µs, p99 ${(p99! * 1000).toFixed(0)} µs, ${slow} of ${r.requests} over 2 ms; promoted ${(promoted / 1e6 / seconds).toFixed(2)} MB/s, ${full} full collections in ${seconds} s`);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
