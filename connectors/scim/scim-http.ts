import type { ConnectorLog, PushSink } from '../connector.js';
import type { ScimOptions } from './config.js';
import type { KeyedLock } from './keyed-lock.js';
import type { UserDirectory } from './user-directory.js';
import type { MappingOptions } from './user-mapping.js';

/** Query parameters, looked up case-insensitively (`startIndex`, `startindex`...). */
export interface Query {
  get(name: string): string | undefined;
}

export function queryOf(params: URLSearchParams): Query {
  const map = new Map<string, string>();
  for (const [k, v] of params) if (!map.has(k.toLowerCase())) map.set(k.toLowerCase(), v);
  return { get: (name) => map.get(name.toLowerCase()) };
}

export interface ScimRequest {
  readonly method: string;
  /** Path segments after the base path, decoded. */
  readonly segments: readonly string[];
  readonly query: Query;
  /** Reads and parses the JSON body (size-limited). */
  body(): Promise<unknown>;
  /** Absolute base URL of this SCIM service, for `meta.location` and `$ref`. */
  readonly baseUrl: string;
}

export interface ScimResponse {
  readonly status: number;
  readonly body?: object;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the resource endpoints share. */
export interface EndpointContext {
  readonly sink: PushSink;
  readonly log: ConnectorLog;
  readonly options: ScimOptions;
  readonly mapping: MappingOptions;
  readonly users: UserDirectory;
  readonly locks: KeyedLock;
  readonly now: () => number;
}
