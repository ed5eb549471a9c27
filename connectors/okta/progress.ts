import type { ConnectorLog, SyncRequest } from '../connector.js';
import type { RateLimitWait } from './rate-limiter.js';

export interface RunCounts {
  users: number;
  groups: number;
  groupsTotal: number | null;
  memberships: number;
  removed: number;
  logEvents: number;
}

/**
 * Progress of one run: items delivered and rate-limit waits, reported to the core (for
 * `roster status`) on every change and to the log at most every `logEveryMs`, so a long full
 * sync across many rate-limit windows shows that it is alive and why it is waiting.
 */
export class RunProgress {
  readonly counts: RunCounts = { users: 0, groups: 0, groupsTotal: null, memberships: 0, removed: 0, logEvents: 0 };
  waits = 0;
  waitedMs = 0;
  throttled = 0;
  private lastLog: number;
  private readonly windows = new Set<string>();
  private heldUntil = 0;

  constructor(
    private readonly sourceId: string,
    private readonly kind: 'full' | 'delta',
    private readonly req: SyncRequest,
    private readonly log: ConnectorLog,
    private readonly logEveryMs = 10_000,
  ) {
    this.lastLog = req.now();
  }

  get items(): number {
    const c = this.counts;
    return c.users + c.groups + c.memberships + c.removed;
  }

  delivered(d: Partial<RunCounts>): void {
    for (const [k, v] of Object.entries(d) as [keyof RunCounts, number][]) {
      if (k !== 'groupsTotal') this.counts[k] += v;
    }
    this.report();
  }

  /**
   * A rate-limit wait. `waits` counts the windows waited for (requests waiting for the same
   * window count once); `waitedMs` is the time during which at least one request was held back,
   * for a window or to spread the end of a budget (waits side by side are not added up).
   */
  onWait(w: RateLimitWait): void {
    const now = this.req.now();
    const end = now + w.ms;
    if (end > this.heldUntil) {
      this.waitedMs += end - Math.max(now, this.heldUntil);
      this.heldUntil = end;
    }
    const key = `${w.bucket}@${w.resetAt}`;
    if (w.reason === 'window' && !this.windows.has(key)) {
      this.windows.add(key);
      this.waits++;
      if (w.ms >= 1000) {
        this.log.info(
          { source: this.sourceId, bucket: w.bucket, waitMs: Math.round(w.ms), limit: w.limit, remaining: w.remaining, items: this.items },
          `Okta rate limit: waiting for the ${w.bucket} window to reset`,
        );
      }
    }
    this.report();
  }

  onThrottled(r: { url: string; bucket: string; resetInMs: number | null }): void {
    this.throttled++;
    this.log.warn({ source: this.sourceId, bucket: r.bucket, path: new URL(r.url).pathname, resetInMs: r.resetInMs }, 'Okta answered 429; waiting for the reset');
    this.report();
  }

  note(): string {
    const c = this.counts;
    const groups = c.groupsTotal === null ? `${c.groups}` : `${c.groups}/${c.groupsTotal}`;
    return `${this.kind}: users ${c.users}, groups ${groups}, memberships ${c.memberships}${c.removed ? `, removed ${c.removed}` : ''}${this.waits ? `, rate-limit waits ${this.waits}` : ''}`;
  }

  private report(): void {
    this.req.progress({ items: this.items, waits: this.waits, waitedMs: Math.round(this.waitedMs), note: this.note() });
    const now = this.req.now();
    if (now - this.lastLog >= this.logEveryMs) {
      this.lastLog = now;
      this.log.info({ source: this.sourceId, items: this.items, waits: this.waits, waitedMs: Math.round(this.waitedMs), ...this.counts }, `Okta sync progress (${this.note()})`);
    }
  }
}
