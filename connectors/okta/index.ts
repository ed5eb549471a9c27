import type { ConnectorFactory } from '../connector.js';
import { parseOktaOptions, type OktaOptions } from './config.js';
import { OktaConnector } from './okta-connector.js';

/** The `okta` source type: users, groups and memberships of an Okta org, full and incremental. */
export const oktaConnectorFactory: ConnectorFactory<OktaOptions> = {
  kind: 'poll',
  parseOptions: (raw) => parseOktaOptions(raw),
  create: (options, ctx) => new OktaConnector(ctx.sourceId, options, ctx),
};

export type { OktaOptions } from './config.js';
export { OktaConnector, type OktaConnectorDeps } from './okta-connector.js';
export { OktaSourceError } from './errors.js';
export { decodeCursor, type OktaCursor } from './cursor.js';
