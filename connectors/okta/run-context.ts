import type { Account } from '../../src/model/account.js';
import type { ConnectorLog } from '../connector.js';
import type { OktaApi } from './client.js';
import type { OktaOptions } from './config.js';
import { httpFailure } from './errors.js';
import type { OktaUser, UserMapper } from './map-user.js';
import type { RunProgress } from './progress.js';

/** What the reads of one run share. */
export interface RunContext {
  readonly sourceId: string;
  readonly api: OktaApi;
  readonly o: OktaOptions;
  readonly mapper: UserMapper;
  readonly progress: RunProgress;
  readonly log: ConnectorLog;
  readonly signal: AbortSignal;
  /** Accounts already delivered in this run (a user is delivered once, from wherever it is read first). */
  readonly delivered: Set<string>;
}

/** Every page of a list endpoint, in order. */
export async function* pages<T>(rc: RunContext, url: string): AsyncGenerator<T[]> {
  let next: string | null = url;
  while (next) {
    rc.signal.throwIfAborted();
    const page: { items: T[]; next: string | null } = await rc.api.page<T>(next);
    yield page.items;
    next = page.next;
  }
}

/** All direct members of a group (every page), or null when the group no longer exists. */
export async function readMembers(rc: RunContext, groupId: string): Promise<OktaUser[] | null> {
  const url = rc.api.url(`/api/v1/groups/${encodeURIComponent(groupId)}/users`, { limit: rc.o.pageSize.groupMembers });
  const members: OktaUser[] = [];
  try {
    for await (const page of pages<OktaUser>(rc, url)) members.push(...page);
  } catch (err) {
    if (httpFailure(err)?.status === 404) {
      rc.log.debug({ source: rc.sourceId, group: groupId }, 'Okta group vanished while its members were read; left out');
      return null;
    }
    throw err;
  }
  return members;
}

/**
 * The members of a group whose status is synced (as `row(userId)` builds them), and the accounts
 * of those the source may not have yet: not delivered in this run and, when `since` is given
 * (incremental runs), changed after it (older ones the source already has).
 */
export function memberRows<M>(rc: RunContext, members: readonly OktaUser[], row: (userId: string) => M, since?: number): { members: M[]; accounts: Account[] } {
  const out: M[] = [];
  const accounts: Account[] = [];
  for (const u of members) {
    if (rc.mapper.statusOf(u) === 'skip') continue;
    if (!rc.delivered.has(u.id) && (since === undefined || !(Date.parse(u.lastUpdated ?? '') <= since))) {
      rc.delivered.add(u.id);
      accounts.push(rc.mapper.account(u)!);
    }
    out.push(row(u.id));
  }
  return { members: out, accounts };
}

/** Runs `work` over `items` with at most `n` at once; the first failure rejects (the rest stop taking work). */
export async function pool<T>(items: readonly T[], n: number, signal: AbortSignal, work: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && i < items.length) {
      signal.throwIfAborted();
      const item = items[i++]!;
      try {
        await work(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}
