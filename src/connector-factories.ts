/**
 * The explicit map from source `type` to connector factory (part of the composition root).
 * A new connector is added here and nowhere else; nothing registers itself.
 */
import type { ConnectorFactory } from '../connectors/connector.js';
import { entraConnectorFactory } from '../connectors/entra/index.js';
import { ldapConnectorFactory } from '../connectors/ldap/index.js';
import { oktaConnectorFactory } from '../connectors/okta/index.js';
import { scimConnectorFactory } from '../connectors/scim/index.js';
import { staticConnectorFactory } from '../connectors/static/index.js';

export const CONNECTOR_FACTORIES: Readonly<Record<string, ConnectorFactory<never>>> = {
  static: staticConnectorFactory as ConnectorFactory<never>,
  entra: entraConnectorFactory as ConnectorFactory<never>,
  ldap: ldapConnectorFactory as ConnectorFactory<never>,
  okta: oktaConnectorFactory as ConnectorFactory<never>,
  scim: scimConnectorFactory as ConnectorFactory<never>,
};

/** The options validator of a source type, for config loading. */
export const optionsParserFor = (type: string): ((raw: unknown) => unknown) | undefined =>
  Object.hasOwn(CONNECTOR_FACTORIES, type) ? CONNECTOR_FACTORIES[type]!.parseOptions : undefined;
