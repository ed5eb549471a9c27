import type { Account } from '../../src/model/account.js';
import type { SourceBatch } from '../connector.js';
import type { DeltaStream } from './delta-stream.js';
import { GraphNotFound } from './graph-client.js';
import { servicePrincipalAccount, servicePrincipalIncluded, userAccount } from './map-objects.js';
import { FULL_CHUNK, type RunContext } from './run-context.js';
import { STREAM_PATH, idOf, isComplete, mergeInto, removedReason, selectFor, type DirRecord } from './records.js';

/** The two account streams: users and service principals. */
export type AccountStream = 'users' | 'servicePrincipals';

const included = (stream: AccountStream, rec: DirRecord, ctx: RunContext): boolean =>
  stream === 'users' || servicePrincipalIncluded(rec, ctx.o);

const toAccount = (stream: AccountStream, rec: DirRecord, ctx: RunContext): Account =>
  stream === 'users' ? userAccount(rec, ctx.o) : servicePrincipalAccount(rec, ctx.o);

const count = (stream: AccountStream, ctx: RunContext, n: number): void => {
  if (stream === 'users') ctx.stats.users += n;
  else ctx.stats.servicePrincipals += n;
};

/**
 * Reads a whole initial round into a fresh map (an object listed several times is merged;
 * one removed during the round is dropped). Records still missing selected properties are
 * re-read one by one.
 */
export async function readAccountsFull(stream: AccountStream, ds: DeltaStream, ctx: RunContext): Promise<Map<string, DirRecord>> {
  const records = new Map<string, DirRecord>();
  for await (const page of ds.pages()) {
    for (const obj of page) {
      const id = idOf(obj);
      if (id === null) continue;
      if (removedReason(obj) !== null) {
        records.delete(id);
        continue;
      }
      let rec = records.get(id);
      if (!rec) records.set(id, (rec = { id, props: {}, softDeleted: false }));
      mergeInto(rec, obj);
    }
  }
  const select = selectFor(stream, ctx.o);
  const incomplete = [...records.values()].filter((r) => !isComplete(r, select));
  for (const rec of incomplete) if (!(await reread(stream, rec, ctx))) records.delete(rec.id);
  return records;
}

/** The accounts of a full round's records, in batches. */
export function* accountBatches(stream: AccountStream, records: Map<string, DirRecord>, ctx: RunContext): Generator<SourceBatch> {
  let accounts: Account[] = [];
  for (const rec of records.values()) {
    if (!included(stream, rec, ctx)) continue;
    accounts.push(toAccount(stream, rec, ctx));
    if (accounts.length >= FULL_CHUNK) {
      count(stream, ctx, accounts.length);
      yield { accounts };
      accounts = [];
    }
  }
  count(stream, ctx, accounts.length);
  if (accounts.length) yield { accounts };
}

/**
 * An incremental round: one batch per page. Within a page the last appearance of an object
 * wins; across pages the applier folds batches in order. Updates are merged into the mirror
 * (an update may carry only its changed properties); `@removed: changed` (recycle bin) makes the
 * account inactive, `@removed: deleted` removes it. A service principal that stops matching the
 * filters is removed.
 */
export async function* accountDeltaBatches(stream: AccountStream, ds: DeltaStream, ctx: RunContext): AsyncGenerator<SourceBatch> {
  const mirror = ctx.mirror.of(stream);
  const select = selectFor(stream, ctx.o);
  for await (const page of ds.pages()) {
    const last = new Map<string, DirRecord | null>();
    for (const obj of page) {
      const id = idOf(obj);
      if (id === null) continue;
      const reason = removedReason(obj);
      if (reason === 'deleted') {
        mirror.delete(id);
        ctx.gone.add(id);
        last.set(id, null);
        continue;
      }
      ctx.gone.delete(id);
      let rec = mirror.get(id);
      if (reason === 'changed') {
        // Soft-deleted: inactive if known; one this process never saw cannot be described, so it goes.
        if (rec) rec.softDeleted = true;
        last.set(id, rec ?? null);
        continue;
      }
      if (!rec) mirror.set(id, (rec = { id, props: {}, softDeleted: false }));
      mergeInto(rec, obj);
      rec.softDeleted = false;
      last.set(id, rec);
    }
    const accounts: Account[] = [];
    const removedAccounts: string[] = [];
    for (const [id, rec] of last) {
      if (rec && !isComplete(rec, select) && !(await reread(stream, rec, ctx))) {
        mirror.delete(id);
        removedAccounts.push(id);
        continue;
      }
      if (rec && included(stream, rec, ctx)) accounts.push(toAccount(stream, rec, ctx));
      else removedAccounts.push(id);
    }
    count(stream, ctx, accounts.length);
    ctx.stats.removed += removedAccounts.length;
    if (accounts.length || removedAccounts.length) yield { accounts, removedAccounts };
  }
}

/**
 * Re-reads one object whose delta entry lacked selected properties and that the mirror does not
 * know (e.g. the first incremental run of a fresh process). False when it is gone meanwhile (its
 * removal comes with a later delta round).
 */
async function reread(stream: AccountStream, rec: DirRecord, ctx: RunContext): Promise<boolean> {
  const url = ctx.client.url(`${STREAM_PATH[stream]}/${encodeURIComponent(rec.id)}?$select=${selectFor(stream, ctx.o).join(',')}`);
  ctx.stats.reread++;
  try {
    mergeInto(rec, await ctx.client.get(url, ctx.monitor, ctx.signal));
    return true;
  } catch (err) {
    if (err instanceof GraphNotFound) return false;
    throw err;
  }
}
