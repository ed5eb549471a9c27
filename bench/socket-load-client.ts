/**
 * The keep-alive load client of bench/decision-socket.ts: N persistent connections to a Unix
 * socket speaking HTTP/1.1 over raw `net` sockets, with pre-serialized request frames and a
 * minimal response parser (status line + content-length), so the client costs a few µs per
 * request and latency is timed per request with sub-µs resolution (autocannon's histogram has
 * 1 ms resolution, too coarse for a p99 <= 1 ms target).
 *
 * - saturate(): closed loop; each connection sends its next request as soon as the previous
 *   answer is complete.
 * - paced(): open loop at a fixed overall rate; request k is due at t0 + k/rate and is sent on a
 *   free connection (queued when all are busy), for a duration or until `stop` resolves. Latency is reported both from the actual send
 *   and from the due time (the latter includes queueing behind busy connections and client lag).
 */
import { connect, type Socket } from 'node:net';

export interface RunResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  /** Latency from write to complete answer (ms). */
  readonly latencyMs: Float64Array;
  /** paced(): latency from the request's due time (ms). */
  readonly fromDueMs?: Float64Array;
  readonly errors: number;
  readonly non200: number;
  readonly allow: number;
  readonly deny: number;
  /** CPU time this (client) process used during the run, in ms. */
  readonly clientCpuMs: number;
  /** paced(): send times (performance.now(), ms) of the answers that took over 2 ms, for a timeline. */
  readonly slowSentAt?: readonly number[];
}

export function requestFrames(bodies: readonly string[], path = '/v1/decision'): Buffer[] {
  return bodies.map((b) => Buffer.from(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`));
}

class Samples {
  private buf = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  values(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}

const HEADER_END = Buffer.from('\r\n\r\n');
const ALLOW = Buffer.from('"decision":"allow"');

/** One keep-alive connection with at most one request in flight (no pipelining). */
class Conn {
  private rest: Buffer | null = null;
  sentAt = 0;
  dueAt = 0;
  busy = false;

  private constructor(
    readonly socket: Socket,
    private readonly onAnswer: (c: Conn, status: number, allow: boolean) => void,
    private readonly onError: (c: Conn, err: Error) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    socket.on('error', (err) => this.onError(this, err));
    socket.on('close', () => {
      if (this.busy) this.onError(this, new Error('connection closed with a request in flight'));
    });
  }

  static open(path: string, onAnswer: (c: Conn, status: number, allow: boolean) => void, onError: (c: Conn, err: Error) => void): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const socket = connect({ path });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new Conn(socket, onAnswer, onError));
      });
    });
  }

  send(frame: Buffer, dueAt: number): void {
    this.busy = true;
    this.dueAt = dueAt;
    this.sentAt = performance.now();
    this.socket.write(frame);
  }

  private data(chunk: Buffer): void {
    const data = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let off = 0;
    for (;;) {
      const end = data.indexOf(HEADER_END, off);
      if (end < 0) break;
      const head = data.toString('latin1', off, end).toLowerCase();
      const status = Number(head.slice(9, 12));
      const at = head.indexOf('\r\ncontent-length:');
      if (at < 0) {
        this.onError(this, new Error(`answer without content-length: ${head.slice(0, 200)}`));
        this.socket.destroy();
        return;
      }
      const length = parseInt(head.slice(at + 17), 10);
      const bodyEnd = end + 4 + length;
      if (bodyEnd > data.length) break;
      const a = data.indexOf(ALLOW, end + 4);
      off = bodyEnd;
      this.busy = false;
      this.onAnswer(this, status, a >= 0 && a < bodyEnd);
    }
    this.rest = off < data.length ? data.subarray(off) : null;
  }
}

async function openAll(path: string, n: number, onAnswer: (c: Conn, status: number, allow: boolean) => void, onError: (c: Conn, err: Error) => void): Promise<Conn[]> {
  return Promise.all(Array.from({ length: n }, () => Conn.open(path, onAnswer, onError)));
}

function closeAll(conns: readonly Conn[]): void {
  for (const c of conns) c.socket.destroy();
}

/** Closed loop at saturation for `durationMs`; only answers completed inside the window count. */
export async function saturate(path: string, frames: readonly Buffer[], opts: { connections: number; durationMs: number }): Promise<RunResult> {
  const latency = new Samples();
  let next = Math.floor(Math.random() * frames.length);
  let errors = 0;
  let non200 = 0;
  let allow = 0;
  let deny = 0;
  let start = 0;
  let end = Infinity;
  let active = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const sendNext = (c: Conn): void => {
    c.send(frames[next++ % frames.length]!, 0);
  };
  const settle = (c: Conn): void => {
    if (performance.now() < end) sendNext(c);
    else if (--active === 0) finish();
  };
  const conns = await openAll(
    path,
    opts.connections,
    (c, status, isAllow) => {
      const now = performance.now();
      if (now <= end) {
        latency.push(now - c.sentAt);
        if (status !== 200) non200++;
        else if (isAllow) allow++;
        else deny++;
      }
      settle(c);
    },
    (c, err) => {
      if (end === Infinity || performance.now() <= end) errors++;
      if (errors === 1) console.error(`  load client: ${err.message}`);
      if (c.busy) {
        c.busy = false;
        if (--active === 0) finish();
      }
    },
  );
  const cpu0 = process.cpuUsage();
  start = performance.now();
  end = start + opts.durationMs;
  active = conns.length;
  for (const c of conns) sendNext(c);
  await done;
  const cpu = process.cpuUsage(cpu0);
  closeAll(conns);
  const seconds = opts.durationMs / 1000;
  return { requests: latency.length, seconds, rps: latency.length / seconds, latencyMs: latency.values(), errors, non200, allow, deny, clientCpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Open loop at `rate` requests/s for `durationMs`; latency from send and from due time. */
export async function paced(
  path: string,
  frames: readonly Buffer[],
  opts: { connections: number; durationMs: number; rate: number; pacer?: 'spin' | 'timer'; stop?: Promise<unknown> },
): Promise<RunResult> {
  const latency = new Samples();
  const fromDue = new Samples();
  const slowSentAt: number[] = [];
  let total = Math.floor((opts.rate * opts.durationMs) / 1000);
  const interval = 1000 / opts.rate;
  let next = Math.floor(Math.random() * frames.length);
  let issued = 0;
  let answered = 0;
  let errors = 0;
  let non200 = 0;
  let allow = 0;
  let deny = 0;
  const free: Conn[] = [];
  const backlog: number[] = [];
  let backlogHead = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const complete = (): void => {
    if (++answered >= total) finish();
  };
  const release = (c: Conn): void => {
    if (backlogHead < backlog.length) c.send(frames[next++ % frames.length]!, backlog[backlogHead++]!);
    else free.push(c);
  };
  const conns = await openAll(
    path,
    opts.connections,
    (c, status, isAllow) => {
      const now = performance.now();
      latency.push(now - c.sentAt);
      fromDue.push(now - c.dueAt);
      if (now - c.sentAt > 2) slowSentAt.push(c.sentAt);
      if (status !== 200) non200++;
      else if (isAllow) allow++;
      else deny++;
      complete();
      release(c);
    },
    (c, err) => {
      errors++;
      if (errors === 1) console.error(`  load client: ${err.message}`);
      if (c.busy) {
        c.busy = false;
        complete();
      }
    },
  );
  free.push(...conns);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now() + 1;
  // 'spin' (default) paces with setImmediate (each turn also polls for answers), at the cost of a
  // busy client core; 'timer' uses setTimeout, whose ~1 ms granularity turns a steady rate into
  // ~1 ms bursts and adds up to ~1 ms to the latency from the due time.
  const tick = (): void => {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - t0) / interval) + 1);
    while (issued < due) {
      const dueAt = t0 + issued * interval;
      issued++;
      const c = free.pop();
      if (c) c.send(frames[next++ % frames.length]!, dueAt);
      else backlog.push(dueAt);
    }
    if (issued < total) {
      if (opts.pacer === 'timer') setTimeout(tick, Math.max(0, t0 + issued * interval - performance.now()));
      else setImmediate(tick);
    }
  };
  setImmediate(tick);
  // An early stop (the run covers an event, not a duration): nothing more is issued; the
  // requests in flight or queued are still answered and counted.
  void opts.stop?.then(() => {
    total = Math.min(total, issued);
    if (answered >= total) finish();
  });
  const timeout = setTimeout(() => finish(), opts.durationMs + 30_000);
  await done;
  clearTimeout(timeout);
  const cpu = process.cpuUsage(cpu0);
  closeAll(conns);
  const seconds = (performance.now() - t0) / 1000;
  return {
    requests: latency.length,
    seconds,
    rps: latency.length / seconds,
    latencyMs: latency.values(),
    fromDueMs: fromDue.values(),
    errors,
    non200,
    allow,
    deny,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
    slowSentAt,
  };
}

/** Quantile of a sample (nearest rank); sorts a copy. */
export function quantiles(xs: Float64Array, qs: readonly number[]): number[] {
  const s = xs.slice().sort();
  return qs.map((q) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN));
}
