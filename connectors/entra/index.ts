import type { ConnectorFactory } from '../connector.js';
import { parseEntraOptions, type EntraOptions } from './config.js';
import { EntraConnector } from './entra-connector.js';

/** The `entra` source type: Microsoft Entra ID through Microsoft Graph delta queries (full and incremental). */
export const entraConnectorFactory: ConnectorFactory<EntraOptions> = {
  kind: 'poll',
  parseOptions: (raw) => parseEntraOptions(raw),
  create: (options, ctx) => new EntraConnector(ctx.sourceId, options, ctx),
};

export type { EntraOptions } from './config.js';
export { EntraConnector, type EntraDeps } from './entra-connector.js';
export { EntraSourceError } from './errors.js';
export { APP_ROLE_PREFIX } from './app-roles.js';
export { CURSOR_VERSION, decodeCursor, type EntraCursor } from './cursor.js';
export type { GraphFetch } from './graph-client.js';
export type { TokenSource } from './credentials.js';
