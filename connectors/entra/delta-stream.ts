import { EntraSourceError } from './errors.js';
import type { GraphClient, GraphJson } from './graph-client.js';
import type { StreamName } from './records.js';
import type { RunMonitor } from './run-monitor.js';

/**
 * One delta round of one collection: GET the start URL (an initial `.../delta?$select=...` or a
 * stored `@odata.deltaLink`), then follow `@odata.nextLink` (pages may be empty and still carry
 * one) until a page carries `@odata.deltaLink`, which is kept for the cursor. The first page can
 * be read ahead (`prefetch`), so a reset of the stored state is known before the run's kind is.
 */
export class DeltaStream {
  /** The round's final `@odata.deltaLink`, once the last page was read. */
  deltaLink: string | null = null;
  pagesRead = 0;
  private first: GraphJson | null = null;

  constructor(
    readonly name: StreamName,
    private readonly start: string,
    private readonly client: GraphClient,
    private readonly monitor: RunMonitor,
    private readonly signal: AbortSignal,
    private readonly sourceId: string,
  ) {}

  async prefetch(): Promise<void> {
    this.first ??= await this.client.get(this.start, this.monitor, this.signal);
  }

  /** The entries of each page, in order; throws DeltaResetError when Graph resets the round. */
  async *pages(): AsyncGenerator<GraphJson[]> {
    let page = this.first ?? (await this.client.get(this.start, this.monitor, this.signal));
    this.first = null;
    for (;;) {
      this.pagesRead++;
      const value = page.value;
      if (!Array.isArray(value)) throw this.protocol('a delta page without a value array');
      const next = page['@odata.nextLink'];
      const delta = page['@odata.deltaLink'];
      const entries = value.filter((e): e is GraphJson => typeof e === 'object' && e !== null && !Array.isArray(e));
      this.monitor.read(entries.length, `reading ${this.name} (page ${this.pagesRead})`);
      yield entries;
      if (typeof next === 'string' && next) {
        if (!this.client.onEndpoint(next)) throw this.protocol('an @odata.nextLink that leaves the Graph endpoint');
        page = await this.client.get(next, this.monitor, this.signal);
        continue;
      }
      if (typeof delta === 'string' && delta) {
        if (!this.client.onEndpoint(delta)) throw this.protocol('an @odata.deltaLink that leaves the Graph endpoint');
        this.deltaLink = delta;
        return;
      }
      throw this.protocol('a delta page with neither @odata.nextLink nor @odata.deltaLink');
    }
  }

  private protocol(what: string): EntraSourceError {
    return new EntraSourceError(this.sourceId, 'protocol', `Microsoft Graph sent ${what} while reading ${this.name}`);
  }
}
