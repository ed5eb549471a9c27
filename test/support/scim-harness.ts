import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after } from 'node:test';
import type { ConnectorLog } from '../../connectors/connector.js';
import { scimConnectorFactory, type ScimConnector } from '../../connectors/scim/index.js';
import { Applier } from '../../src/apply/applier.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { SqliteRoleStore } from '../../src/store/sqlite-role-store.js';
import { PushCoalescer } from '../../src/sync/push-coalescer.js';
import { tempDir } from './temp-dir.js';

export const SCIM_TOKEN = 'scim-test-token-0123456789abcdef';
export const SOURCE = 'scim';

export const SCIM_RULES: ResolveRules = {
  linking: [],
  roles: [
    { name: 'engineer', rank: 10, grantedBy: [{ group: { source: SOURCE, name: 'Engineering' } }] },
    { name: 'staff', rank: 1, grantedBy: [{ group: { source: SOURCE, name: 'Everyone' } }] },
    { name: 'clinician', rank: 20, grantedBy: [{ attribute: { source: SOURCE, name: 'department', equals: 'Cardiology' } }] },
  ],
};

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error' | 'debug';
  readonly obj: object;
  readonly msg?: string;
}

export interface ScimResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // Parsed JSON body (any, for terse assertions in tests).
  readonly body: any;
}

export interface HarnessOptions {
  readonly rules?: ResolveRules;
  /** Raw connector options merged over the defaults (listen on 127.0.0.1:0, one token). */
  readonly options?: Record<string, unknown>;
  readonly path?: string;
  /** Close when the current test ends (default). Pass false when starting from a `before` hook. */
  readonly autoClose?: boolean;
}

/**
 * A SCIM source on 127.0.0.1 backed by the real core: a SQLite store in a temp dir, the applier
 * and the push coalescer, as the daemon wires them. Reopen with `restart()`.
 */
export class ScimHarness {
  readonly logs: LogEntry[] = [];
  store!: SqliteRoleStore;
  applier!: Applier;
  connector!: ScimConnector;
  base = '';

  private constructor(
    readonly path: string,
    private readonly rules: ResolveRules,
    private readonly raw: Record<string, unknown>,
  ) {}

  static async start(o: HarnessOptions = {}): Promise<ScimHarness> {
    const raw = {
      listen: { host: '127.0.0.1', port: 0 },
      tokens: [{ name: 'okta', sha256: createHash('sha256').update(SCIM_TOKEN).digest('hex') }],
      rateLimit: false,
      ...o.options,
    };
    const h = new ScimHarness(o.path ?? join(tempDir('roster-scim-'), 'roster.db'), o.rules ?? SCIM_RULES, raw);
    await h.open();
    if (o.autoClose !== false) after(() => h.close());
    return h;
  }

  readonly log: ConnectorLog = {
    info: (obj, msg) => this.logs.push({ level: 'info', obj, ...(msg ? { msg } : {}) }),
    warn: (obj, msg) => this.logs.push({ level: 'warn', obj, ...(msg ? { msg } : {}) }),
    error: (obj, msg) => this.logs.push({ level: 'error', obj, ...(msg ? { msg } : {}) }),
    debug: () => undefined,
  };

  private async open(): Promise<void> {
    this.store = SqliteRoleStore.openWritable(this.path);
    this.applier = new Applier(this.store, this.rules, Date.now);
    const coalescer = new PushCoalescer(this.applier, SOURCE, 2);
    const options = scimConnectorFactory.parseOptions(this.raw);
    this.connector = scimConnectorFactory.create(options, {
      sourceId: SOURCE,
      baseDir: process.cwd(),
      readSecret: (ref) => ('env' in ref ? process.env[ref.env] ?? '' : readFileSync(resolve(process.cwd(), ref.file), 'utf8')),
      log: this.log,
    }) as ScimConnector;
    await this.connector.start({ apply: (b) => coalescer.apply(b), view: () => this.applier.view(SOURCE) });
    const addr = this.connector.address()!;
    const scheme = options.tls ? 'https' : 'http';
    this.base = `${scheme}://127.0.0.1:${addr.port}${options.basePath}`;
  }

  async close(): Promise<void> {
    await this.connector.stop();
    this.store.close();
  }

  /** Stops the receiver, closes the store, and opens everything again on the same database. */
  async restart(): Promise<void> {
    await this.close();
    await this.open();
  }

  async req(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimResult> {
    const init: RequestInit = {
      method,
      headers: {
        authorization: `Bearer ${SCIM_TOKEN}`,
        accept: 'application/scim+json',
        ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    };
    const res = await fetch(this.base + path, init);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  }

  /** The latest role-state version id (0 when none). */
  version(): number {
    return this.store.history.latestVersion()?.id ?? 0;
  }

  /** Roles a subject identifier holds at the latest (or given) version. */
  rolesOf(subject: string, v = this.version()): string[] {
    const pids = this.store.history.principalsForSubject(subject, v);
    if (pids.length !== 1) return [];
    return this.store.history.rolesAt(pids[0]!, v).map((r) => r.role).sort();
  }

  principalOf(subject: string, v = this.version()): string | undefined {
    const pids = this.store.history.principalsForSubject(subject, v);
    return pids.length === 1 ? pids[0] : undefined;
  }
}

export const userBody = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  name: { givenName: userName.split('@')[0], familyName: 'Test' },
  emails: [{ primary: true, value: userName, type: 'work' }],
  active: true,
  ...extra,
});

export const groupBody = (displayName: string, members: string[] = []) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
  displayName,
  members: members.map((value) => ({ value })),
});

export const patchBody = (...Operations: object[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations });
