/**
 * Okta's per-endpoint rate limits as the fake enforces them: a request budget per bucket and
 * window, windows aligned to multiples of the window length, X-Rate-Limit-Limit/-Remaining/-Reset
 * (epoch seconds) on every response, 429 once a window's budget is spent. Time can be scaled
 * down: a 60 s window of 600 requests can run as a 6 s window of 600 requests (scale 10).
 */
export type FakeBucket = 'users' | 'user-by-id' | 'groups' | 'group-by-id' | 'logs' | 'token' | 'api';

/** Okta's published per-minute limits (Workforce Identity column of the management table). */
export const OKTA_WORKFORCE_LIMITS: Readonly<Record<FakeBucket, number>> = {
  users: 600,
  'user-by-id': 2000,
  groups: 500,
  'group-by-id': 1000,
  logs: 120,
  token: 600,
  api: 1200,
};

/** The bucket Okta counts a request in (its table: /api/v1/groups except /api/v1/groups/{id}, ...). */
export function fakeBucketOf(method: string, path: string): FakeBucket {
  if (/^\/api\/v1\/users\/?$/.test(path)) return 'users';
  if (/^\/api\/v1\/users\/[^/]+\/?$/.test(path)) return method === 'GET' ? 'user-by-id' : 'api';
  if (/^\/api\/v1\/groups\/[^/]+\/?$/.test(path)) return 'group-by-id';
  if (/^\/api\/v1\/groups(\/|$)/.test(path)) return 'groups';
  if (/^\/api\/v1\/logs\/?$/.test(path)) return 'logs';
  if (/^\/oauth2\/v1\/token\/?$/.test(path)) return 'token';
  return 'api';
}

export interface Admission {
  readonly ok: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Epoch seconds. */
  readonly reset: number;
}

export class RateLimits {
  private readonly windows = new Map<FakeBucket, { window: number; used: number }>();
  readonly counted: Record<string, number> = {};
  readonly rejected: Record<string, number> = {};
  /** Requests counted per window, per bucket (window index → count), for utilization reports. */
  readonly history = new Map<FakeBucket, Map<number, number>>();

  constructor(
    public limits: Record<FakeBucket, number>,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (windowMs % 1000 !== 0 || windowMs <= 0) throw new Error('the window must be a whole number of seconds');
  }

  /** Counts one request in its bucket's window, or refuses it when the budget is spent. */
  take(bucket: FakeBucket): Admission {
    const now = this.now();
    const window = Math.floor(now / this.windowMs);
    let w = this.windows.get(bucket);
    if (!w || w.window !== window) this.windows.set(bucket, (w = { window, used: 0 }));
    const limit = this.limits[bucket];
    const reset = ((window + 1) * this.windowMs) / 1000;
    if (w.used >= limit) {
      this.rejected[bucket] = (this.rejected[bucket] ?? 0) + 1;
      return { ok: false, limit, remaining: 0, reset };
    }
    w.used++;
    this.counted[bucket] = (this.counted[bucket] ?? 0) + 1;
    let h = this.history.get(bucket);
    if (!h) this.history.set(bucket, (h = new Map()));
    h.set(window, w.used);
    return { ok: true, limit, remaining: limit - w.used, reset };
  }
}
