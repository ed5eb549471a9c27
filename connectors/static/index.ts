import { resolve } from 'node:path';
import type { ConnectorFactory } from '../connector.js';
import { staticOptionsSchema, type StaticOptions } from './config.js';
import { StaticConnector } from './static-connector.js';

/** The `static` source type: principals, service accounts and agents declared in a YAML file. */
export const staticConnectorFactory: ConnectorFactory<StaticOptions> = {
  kind: 'poll',
  parseOptions: (raw) => staticOptionsSchema.parse(raw),
  create: (options, ctx) => new StaticConnector(ctx.sourceId, resolve(ctx.baseDir, options.file)),
};

export { ROLE_GROUP_PREFIX } from './directory-to-batch.js';
