import type { SourceBatch } from '../connector.js';
import { ScimError } from './scim-error.js';
import type { EndpointContext } from './scim-http.js';

/**
 * Hands a batch to the sink and waits until it is committed. A batch the core refuses (a guard
 * holds it, the store is unavailable) is answered 503 with Retry-After, so Okta and Entra retry it
 * later; nothing of it was applied.
 */
export async function commit(ctx: EndpointContext, batch: SourceBatch, what: string): Promise<number | null> {
  try {
    return (await ctx.sink.apply(batch)).version;
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    ctx.log.error({ what, code: typeof e.code === 'string' ? e.code : undefined, err: String(e.message ?? err) }, 'scim write not committed');
    throw new ScimError(503, undefined, `the change was not committed (${typeof e.code === 'string' ? e.code : 'store unavailable'}); retry later`, {
      'Retry-After': '10',
    });
  }
}

/** Whether a batch changes anything at all. */
export const isEmptyBatch = (b: SourceBatch): boolean =>
  !b.accounts?.length &&
  !b.groups?.length &&
  !b.memberships?.length &&
  !b.removedAccounts?.length &&
  !b.removedGroups?.length &&
  !b.removedMemberships?.length &&
  !b.replaceMembers?.length;
