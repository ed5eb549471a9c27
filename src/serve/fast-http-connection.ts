import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { Duplex } from 'node:stream';
import { RosterError } from '../errors/roster-error.js';
import type { PlainRequest } from './decision-routes.js';
import { errorResponse } from './error-response.js';
import type { PlainResponse } from './plain-response.js';
import { parseRequestHead } from './parse-request-head.js';

export interface FastHttpOptions {
  readonly bodyLimit: number;
  /** A request's head must be complete this long after its first byte (slowloris). */
  readonly headersTimeoutMs: number;
  /** A request must be complete this long after its first byte. */
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly answer: (req: PlainRequest) => Promise<PlainResponse>;
  /** Takes over the connection (node:http), with the bytes read and not yet served. */
  readonly fallback: (stream: Duplex) => void;
  /** The server is closing: answer what is in flight with `connection: close`, then end. */
  readonly closing: () => boolean;
}

/** Longest request head accepted here (node:http's default limit; a longer one goes to it, and gets 431). */
const MAX_HEAD = 16 * 1024;
/** Pipelined requests in progress per connection before reading pauses (a flood waits its turn). */
const MAX_IN_FLIGHT = 128;
const HEAD_END = Buffer.from('\r\n\r\n');
const VALUE_OK = /^[\t\x20-\x7e\x80-\xff]*$/;

let dateText = new Date().toUTCString();
let dateAt = Date.now();
/** The Date field, formatted at most once a second. */
function httpDate(): string {
  const now = Date.now();
  if (now - dateAt >= 1000) {
    dateAt = now;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/**
 * One connection of the decision socket, served without node:http's per-request machinery: the
 * head and a Content-Length body are parsed straight from the socket's bytes and the answer is
 * written as one buffer. Pipelined requests are answered in order. Anything outside the simple
 * form (see parse-request-head.ts: chunked bodies, Expect, folded or duplicate fields, a body
 * over the limit) hands the connection, at a request boundary, to node:http. Timeouts: the
 * head and the whole request, counted from a request's first byte; keep-alive idle.
 */
export class FastHttpConnection {
  private buffered: Buffer | null = null;
  /** Answers in request order; a slot is null until its answer is ready. */
  private readonly slots: { text: string | null; close: boolean }[] = [];
  private deadline: NodeJS.Timeout | null = null;
  private handedOver = false;
  private ending = false;
  /** The client sent FIN: answer what was asked, then end (the server allows half-open sockets). */
  private clientEnded = false;
  private paused = false;
  /** Unusual input arrived while answers were pending: hand over once they are written. */
  private pendingHandOver = false;

  constructor(
    private readonly socket: Socket,
    private readonly opts: FastHttpOptions,
  ) {
    socket.setTimeout(opts.keepAliveTimeoutMs, () => {
      if (this.slots.length === 0 && !this.handedOver) socket.destroy();
    });
    socket.on('data', this.onData);
    socket.on('end', () => {
      if (this.handedOver) return;
      this.clientEnded = true;
      this.stopReading();
      if (this.slots.length === 0) socket.end();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.clearDeadline());
  }

  /** No request in progress or unanswered (safe to close). */
  get idle(): boolean {
    return this.slots.length === 0 && this.buffered === null && !this.handedOver;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.ending) return;
    this.buffered = this.buffered === null ? chunk : Buffer.concat([this.buffered, chunk]);
    this.serve();
  };

  /** Serves every complete request buffered; arms the timeout of an incomplete one. */
  private serve(): void {
    while (this.buffered !== null && !this.ending && !this.handedOver) {
      if (this.slots.length >= MAX_IN_FLIGHT) {
        this.paused = true;
        this.socket.pause();
        return;
      }
      const buf = this.buffered;
      const headEnd = buf.indexOf(HEAD_END);
      if (headEnd < 0) {
        if (buf.length > MAX_HEAD) return this.handOver();
        return this.armDeadline(this.opts.headersTimeoutMs);
      }
      const head = headEnd <= MAX_HEAD ? parseRequestHead(buf.toString('latin1', 0, headEnd)) : null;
      if (head === null || head.contentLength > this.opts.bodyLimit) return this.handOver();
      const end = headEnd + 4 + head.contentLength;
      if (buf.length < end) return this.armDeadline(this.opts.requestTimeoutMs);
      this.clearDeadline();
      const body = buf.subarray(headEnd + 4, end);
      this.buffered = end === buf.length ? null : buf.subarray(end);
      const slot = { text: null as string | null, close: !head.keepAlive };
      this.slots.push(slot);
      // A request that closes the connection is the last one read from it.
      if (slot.close) this.stopReading();
      this.opts.answer({ method: head.method, url: head.url, headers: head.headers, body }).then(
        (r) => this.fill(slot, r, head.method === 'HEAD'),
        (err: unknown) => this.fill(slot, errorResponse(err), false),
      );
    }
  }

  private fill(slot: { text: string | null; close: boolean }, r: PlainResponse, headOnly: boolean): void {
    if (this.opts.closing()) slot.close = true;
    let extra = '';
    for (const name in r.headers) {
      const value = r.headers[name]!;
      // node:http would refuse such a value too: answer an error, never a half-written head.
      if (!VALUE_OK.test(value)) return this.fill(slot, errorResponse(new Error(`invalid header value for ${name}`)), headOnly);
      extra += `${name}: ${value}\r\n`;
    }
    const length = Buffer.byteLength(r.body);
    slot.text =
      `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n${extra}` +
      `date: ${httpDate()}\r\nconnection: ${slot.close ? 'close' : 'keep-alive'}\r\n${slot.close ? '' : `keep-alive: timeout=${Math.floor(this.opts.keepAliveTimeoutMs / 1000)}\r\n`}\r\n${headOnly ? '' : r.body}`;
    this.flushSlots();
  }

  /** Writes the answers that are ready, in order; ends or hands over once all are written. */
  private flushSlots(): void {
    while (this.slots.length && this.slots[0]!.text !== null) {
      const slot = this.slots.shift()!;
      this.socket.write(slot.text!);
      if (slot.close) {
        this.slots.length = 0;
        this.socket.end();
        return;
      }
    }
    if (this.slots.length === 0 && this.clientEnded) return void this.socket.end();
    if (this.slots.length === 0 && this.pendingHandOver) return this.handOver();
    if (this.paused && this.slots.length < MAX_IN_FLIGHT / 2) {
      this.paused = false;
      this.socket.resume();
      this.serve();
    }
  }

  /** node:http takes the connection from here, once every answer given so far is written. */
  private handOver(): void {
    this.clearDeadline();
    if (this.slots.length) {
      this.pendingHandOver = true;
      this.socket.pause();
      return;
    }
    this.handedOver = true;
    const socket = this.socket;
    socket.off('data', this.onData);
    socket.setTimeout(0);
    const rest = this.buffered;
    this.buffered = null;
    const stream = new Duplex({
      read: () => void socket.resume(),
      write: (chunk: Buffer, _enc, cb) => void socket.write(chunk, cb),
      final: (cb) => void socket.end(cb),
      destroy: (err, cb) => {
        socket.destroy(err ?? undefined);
        cb(err);
      },
    });
    if (rest) stream.push(rest);
    socket.on('data', (d: Buffer) => {
      if (!stream.push(d)) socket.pause();
    });
    socket.on('end', () => stream.push(null));
    socket.on('close', () => stream.destroy());
    this.opts.fallback(stream);
    socket.resume();
  }

  private stopReading(): void {
    this.ending = true;
    this.buffered = null;
    this.clearDeadline();
  }

  private armDeadline(ms: number): void {
    if (this.deadline !== null || ms <= 0) return;
    this.deadline = setTimeout(() => {
      this.deadline = null;
      // A request still incomplete (slowloris): 408 after the answers before it, then close.
      this.stopReading();
      const slot = { text: null as string | null, close: true };
      this.slots.push(slot);
      this.fill(slot, errorResponse(new RosterError('ROSTER_ERR_REQUEST_TIMEOUT', { ms })), false);
    }, ms);
  }

  private clearDeadline(): void {
    if (this.deadline !== null) clearTimeout(this.deadline);
    this.deadline = null;
  }
}
