import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { GraphFetch } from '../../../connectors/entra/index.js';

/**
 * How the real msal-node and the connector's Graph calls reach the fakes while the connector's
 * configuration keeps the production endpoints: msal's `system.networkClient` and the Graph fetch
 * rewrite the public origin of each URL to the fake's loopback origin. Any other host is refused,
 * so a request that would leave for the internet fails the test instead.
 */

function reroute(url: string, routes: ReadonlyMap<string, string>): string {
  const u = new URL(url);
  const to = routes.get(u.origin.toLowerCase());
  if (!to) throw new Error(`test routing: no fake for ${u.origin} (request to ${u.origin}${u.pathname})`);
  return to + u.pathname + u.search;
}

/** msal's network module: GET (metadata) and POST (token) to the fake token endpoint. */
export class RoutedMsalNetwork implements INetworkModule {
  readonly calls: { method: string; url: string }[] = [];

  constructor(private readonly routes: ReadonlyMap<string, string>) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: string, url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    this.calls.push({ method, url });
    const res = await fetch(reroute(url, this.routes), { method, headers: options?.headers ?? {}, ...(options?.body !== undefined ? { body: options.body } : {}) });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = { error: 'non_json', error_description: text.slice(0, 200) };
    }
    return { headers, body: body as T, status: res.status };
  }
}

/** The Graph fetch: same request, the public Graph origin swapped for the fake's. */
export function routedGraphFetch(routes: ReadonlyMap<string, string>): GraphFetch {
  return (url, init) => fetch(reroute(url, routes), init);
}
