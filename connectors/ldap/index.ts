import type { ConnectorFactory } from '../connector.js';
import { parseLdapOptions, type LdapOptions } from './config.js';
import { LdapConnector } from './ldap-connector.js';

/** The `ldap` source type: OpenLDAP and Active Directory over LDAP(S), full and incremental. */
export const ldapConnectorFactory: ConnectorFactory<LdapOptions> = {
  kind: 'poll',
  parseOptions: (raw) => parseLdapOptions(raw),
  create: (options, ctx) => new LdapConnector(ctx.sourceId, options, ctx),
};

export type { LdapOptions } from './config.js';
export { LdapSourceError } from './errors.js';
export { CURSOR_VERSION, decodeCursor, type LdapCursor } from './cursor.js';
