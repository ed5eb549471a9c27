import type { AddressInfo } from 'node:net';
import type { ConnectorContext, PushConnector, PushSink } from '../connector.js';
import { tokenHashes } from './bearer-auth.js';
import type { ScimOptions } from './config.js';
import { GroupsEndpoint } from './groups-endpoint.js';
import { KeyedLock } from './keyed-lock.js';
import { ScimServer } from './scim-server.js';
import type { EndpointContext } from './scim-http.js';
import { UserDirectory } from './user-directory.js';
import type { MappingOptions } from './user-mapping.js';
import { UsersEndpoint } from './users-endpoint.js';

/**
 * The SCIM 2.0 receiver of one source: an HTTP(S) server that Okta or Entra ID pushes users and
 * groups to. Writes go through the sink (committed before they are answered); reads are answered
 * from the sink's view of the committed state, so a client reads its own writes.
 */
export class ScimConnector implements PushConnector {
  private server: ScimServer | null = null;

  constructor(
    readonly sourceId: string,
    private readonly options: ScimOptions,
    private readonly ctx: ConnectorContext,
    private readonly now: () => number = Date.now,
  ) {}

  async start(sink: PushSink): Promise<void> {
    if (this.server) throw new Error(`scim source ${this.sourceId} is already started`);
    const { options, ctx } = this;
    const tokens = tokenHashes(options.tokens, ctx.readSecret);
    const tls = options.tls ? { cert: ctx.readSecret({ file: options.tls.cert }), key: ctx.readSecret({ file: options.tls.key }) } : undefined;
    const mapping: MappingOptions = {
      externalIdKind: options.identifiers.externalId,
      userNameKinds: options.identifiers.userName,
      emailsVerified: options.identifiers.emailsVerified,
    };
    const users = new UserDirectory(() => sink.view());
    users.rebuild();
    const endpoints: EndpointContext = { sink, log: ctx.log, options, mapping, users, locks: new KeyedLock(), now: this.now };
    const server = new ScimServer({
      options,
      tokens,
      users: new UsersEndpoint(endpoints),
      groups: new GroupsEndpoint(endpoints),
      log: ctx.log,
      ...(tls ? { tls } : {}),
    });
    const addr = await server.listen();
    this.server = server;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    ctx.log.info(
      { url: `${tls ? 'https' : 'http'}://${host}:${addr.port}${options.basePath}`, tokens: tokens.map((t) => t.name), users: sink.view().accounts.size, groups: sink.view().groups.size },
      'scim receiver listening',
    );
  }

  /** The bound address once started (port 0 in the options picks a free port). */
  address(): AddressInfo | null {
    return this.server?.address() ?? null;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await server?.close();
  }
}
