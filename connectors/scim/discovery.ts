import { ScimError, notFound } from './scim-error.js';
import { GROUP_KIND, USER_KIND, type ResourceKind } from './resource-kind.js';
import {
  ALL_SCHEMAS,
  LIST_RESPONSE_SCHEMA,
  RESOURCE_TYPE_SCHEMA,
  SCHEMA_SCHEMA,
  SERVICE_PROVIDER_CONFIG_SCHEMA,
  type AttrDef,
  type SchemaDef,
} from './scim-schemas.js';

/** The discovery endpoints (RFC 7644 §4): what this receiver supports, its resource types and schemas. */
export function serviceProviderConfig(baseUrl: string, maxResults: number): object {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A long-lived bearer token configured for this SCIM source (stored as its SHA-256).',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

function resourceType(kind: ResourceKind, baseUrl: string): object {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: kind.name,
    name: kind.name,
    endpoint: kind.endpoint,
    description: kind.name === 'User' ? 'User Account' : 'Group',
    schema: kind.core.id,
    schemaExtensions: kind.extensions.map((e) => ({ schema: e.id, required: false })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${kind.name}` },
  };
}

const attributeJson = (d: AttrDef): object => ({
  name: d.name,
  type: d.type,
  multiValued: d.multiValued,
  description: d.description,
  required: d.required,
  ...(d.type === 'string' || d.type === 'reference' || d.type === 'binary' ? { caseExact: d.caseExact } : {}),
  mutability: d.mutability,
  returned: d.returned,
  uniqueness: d.uniqueness,
  ...(d.canonicalValues ? { canonicalValues: d.canonicalValues } : {}),
  ...(d.referenceTypes ? { referenceTypes: d.referenceTypes } : {}),
  ...(d.subAttributes ? { subAttributes: d.subAttributes.map(attributeJson) } : {}),
});

const schemaJson = (s: SchemaDef, baseUrl: string): object => ({
  schemas: [SCHEMA_SCHEMA],
  id: s.id,
  name: s.name,
  description: s.description,
  attributes: s.attributes.map(attributeJson),
  meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${s.id}` },
});

const list = (resources: object[]): object => ({
  schemas: [LIST_RESPONSE_SCHEMA],
  totalResults: resources.length,
  itemsPerPage: resources.length,
  startIndex: 1,
  Resources: resources,
});

export function resourceTypes(baseUrl: string, name?: string): object {
  const all = [USER_KIND, GROUP_KIND];
  if (name === undefined) return list(all.map((k) => resourceType(k, baseUrl)));
  const kind = all.find((k) => k.name.toLowerCase() === name.toLowerCase());
  if (!kind) throw notFound(`no resource type "${name}"`);
  return resourceType(kind, baseUrl);
}

export function schemas(baseUrl: string, id?: string): object {
  if (id === undefined) return list(ALL_SCHEMAS.map((s) => schemaJson(s, baseUrl)));
  const s = ALL_SCHEMAS.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (!s) throw notFound(`no schema "${id}"`);
  return schemaJson(s, baseUrl);
}

/** RFC 7644 §4: a filter on a discovery endpoint SHOULD be answered 403. */
export function refuseFilter(filter: string | undefined): void {
  if (filter !== undefined) throw new ScimError(403, undefined, 'filtering is not supported on discovery endpoints');
}
