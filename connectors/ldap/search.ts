import type { Control, Entry } from 'ldapts';
import type { ConnectorContext } from '../connector.js';
import type { LdapOptions } from './config.js';
import type { LdapSession } from './connection.js';
import { EntryView } from './entry.js';
import { describeError, LdapSourceError, resultCode } from './errors.js';

/** What one run's searches share. */
export interface SearchContext {
  readonly session: LdapSession;
  readonly options: LdapOptions;
  readonly ctx: ConnectorContext;
  readonly signal: AbortSignal;
}

export interface SearchSpec {
  readonly base: string;
  readonly filter: string;
  readonly scope: 'base' | 'one' | 'sub';
  readonly attributes: readonly string[];
  /** Attributes to keep binary (objectGUID, invocationId). */
  readonly binary?: readonly string[];
  readonly controls?: readonly Control[];
  /** For messages: "users", "groups", "tombstones"... */
  readonly what: string;
}

/** AD application and configuration partitions: they hold no users or groups of the domain. */
const PARTITION_REFERENCE = /^ldaps?:\/\/[^/]+\/(dc=domaindnszones|dc=forestdnszones|cn=configuration),/i;

/**
 * A paged search (RFC 2696), one page of entries at a time, so a big directory never sits in
 * memory at once. Between pages it checks the abort signal. Result codes that mean "you did not
 * get everything" (size or time limit, admin limit, referral) and continuation references (unless
 * they point at AD partitions and the source ignores those) throw: the run would be partial.
 */
export async function* pagedSearch(sc: SearchContext, spec: SearchSpec): AsyncGenerator<EntryView[]> {
  const { session, options } = sc;
  session.assertAlive(`searching ${spec.what}`);
  const pages = session.client.searchPaginated(
    spec.base,
    {
      scope: spec.scope,
      filter: spec.filter,
      attributes: [...spec.attributes],
      explicitBufferAttributes: binaryNames(spec.binary ?? []),
      paged: { pageSize: options.pageSize },
    },
    spec.controls ? [...spec.controls] : undefined,
  );
  type Page = IteratorResult<{ searchEntries: Entry[]; searchReferences: string[] }>;
  // One page ahead: the server sends page n+1 while page n is being mapped and applied.
  let ahead: Promise<Page> | null = pages.next();
  ahead.catch(() => undefined);
  try {
    for (;;) {
      let page: Page;
      try {
        page = await ahead;
      } catch (err) {
        throw searchError(sc, spec, err);
      }
      ahead = null;
      if (page.done) return;
      checkReferences(sc, spec, page.value.searchReferences);
      sc.signal.throwIfAborted();
      const entries = page.value.searchEntries.map((e) => new EntryView(e));
      ahead = pages.next();
      ahead.catch(() => undefined);
      yield entries;
      sc.signal.throwIfAborted();
    }
  } finally {
    // Not awaited: with a page still in flight, return() waits for it; the caller closing the
    // session (which it does next) ends it at once instead of after a slow or hung server.
    void pages.return(undefined).catch(() => undefined);
  }
}

/** A one-shot search (base entries, rootDSE, lookups); no paging. */
export async function searchAll(sc: SearchContext, spec: SearchSpec): Promise<EntryView[]> {
  sc.session.assertAlive(`reading ${spec.what}`);
  sc.signal.throwIfAborted();
  try {
    const res = await sc.session.client.search(
      spec.base,
      { scope: spec.scope, filter: spec.filter, attributes: [...spec.attributes], explicitBufferAttributes: binaryNames(spec.binary ?? []) },
      spec.controls ? [...spec.controls] : undefined,
    );
    checkReferences(sc, spec, res.searchReferences);
    return res.searchEntries.map((e) => new EntryView(e));
  } catch (err) {
    if (err instanceof LdapSourceError) throw err;
    throw searchError(sc, spec, err);
  }
}

/** ldapts keeps an attribute binary only when its name matches as sent; cover the usual spellings. */
function binaryNames(names: readonly string[]): string[] {
  const known = ['objectGUID', 'invocationId', 'objectSid'];
  return [...new Set(names.flatMap((n) => [n, n.toLowerCase(), ...known.filter((k) => k.toLowerCase() === n.toLowerCase())]))];
}

function checkReferences(sc: SearchContext, spec: SearchSpec, refs: readonly string[]): void {
  const relevant = sc.options.references === 'ignore-partitions' ? refs.filter((r) => !PARTITION_REFERENCE.test(r)) : refs;
  if (relevant.length === 0) return;
  throw new LdapSourceError(
    sc.ctx.sourceId,
    'partial',
    `the search of ${spec.what} under "${spec.base}" returned referrals to other servers (${relevant.slice(0, 3).join(', ')}${relevant.length > 3 ? ', ...' : ''}); ` +
      'the snapshot would be incomplete, so nothing is applied. Narrow the base DN or point the source at the server that holds the data',
  );
}

function searchError(sc: SearchContext, spec: SearchSpec, err: unknown): Error {
  const id = sc.ctx.sourceId;
  const where = `the search of ${spec.what} under "${spec.base}" at ${sc.session.url}`;
  if (sc.signal.aborted) return new LdapSourceError(id, 'aborted', `run aborted during ${where}`, { cause: sc.signal.reason });
  const code = resultCode(err);
  const reason = describeError(err);
  switch (code) {
    case undefined:
      return new LdapSourceError(id, 'unreachable', `no complete answer to ${where}: ${reason}`, { cause: err });
    case 3:
    case 4:
    case 11:
      return new LdapSourceError(
        id,
        'partial',
        `${where} hit a server limit (result code ${code}: ${reason}); the snapshot would be incomplete, so nothing is applied. ` +
          'Lift the size/time limit for the bind DN (OpenLDAP: olcLimits or olcSizeLimit with size.prtotal=unlimited; AD: MaxPageSize / MaxResultSetSize), or for a per-page limit lower pageSize',
        { cause: err },
      );
    case 10:
      return new LdapSourceError(id, 'partial', `${where} was answered with a referral (result code 10: ${reason}); point the source at the server that holds "${spec.base}"`, { cause: err });
    case 32:
      return new LdapSourceError(id, 'config', `${where} failed: the base DN does not exist (result code 32)`, { cause: err });
    default:
      return new LdapSourceError(id, 'server', `${where} failed (result code ${code}: ${reason})`, { cause: err });
  }
}
