import type { ConnectorFactory } from '../connector.js';
import { scimOptionsSchema, type ScimOptions } from './config.js';
import { ScimConnector } from './scim-connector.js';

/** The `scim` source type: a SCIM 2.0 receiver that Okta and Microsoft Entra ID provision into. */
export const scimConnectorFactory: ConnectorFactory<ScimOptions> = {
  kind: 'push',
  parseOptions: (raw) => scimOptionsSchema.parse(raw),
  create: (options, ctx) => new ScimConnector(ctx.sourceId, options, ctx),
};

export { ScimConnector } from './scim-connector.js';
export type { ScimOptions } from './config.js';
