/**
 * The SCIM schemas this receiver serves (RFC 7643 §4, §8.7): core User, the enterprise User
 * extension and Group, as attribute definitions. They drive key canonicalization, type checks,
 * filter comparison rules and the /Schemas endpoint, so there is one source of truth.
 */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export type AttrType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';

export interface AttrDef {
  readonly name: string;
  readonly type: AttrType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  readonly returned: 'always' | 'never' | 'default' | 'request';
  readonly uniqueness: 'none' | 'server' | 'global';
  readonly subAttributes?: readonly AttrDef[];
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
}

export interface SchemaDef {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttrDef[];
}

type Opts = Partial<Omit<AttrDef, 'name' | 'type' | 'description'>>;

const attr = (name: string, type: AttrType, description: string, o: Opts = {}): AttrDef => ({
  name,
  type,
  description,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...o,
});
const str = (name: string, description: string, o: Opts = {}): AttrDef => attr(name, 'string', description, o);
const complex = (name: string, description: string, subAttributes: AttrDef[], o: Opts = {}): AttrDef =>
  attr(name, 'complex', description, { ...o, subAttributes });

/** value/display/type/primary: the shape of most multi-valued attributes (RFC 7643 §2.4). */
const multi = (name: string, description: string, valueType: AttrType = 'string', types: string[] = [], extra: AttrDef[] = []): AttrDef =>
  complex(
    name,
    description,
    [
      attr('value', valueType, `The ${name} value.`),
      str('display', 'A human-readable name, primarily used for display purposes.'),
      str('type', 'A label indicating the function of the value.', types.length ? { canonicalValues: types } : {}),
      attr('primary', 'boolean', 'Whether this is the preferred value; true at most once.'),
      ...extra,
    ],
    { multiValued: true },
  );

/** id, externalId and meta belong to every resource and are not listed in /Schemas (RFC 7643 §3.1). */
export const COMMON_ATTRIBUTES: readonly AttrDef[] = [
  str('id', 'Unique identifier assigned by the service provider.', { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' }),
  str('externalId', 'Identifier of the resource as defined by the provisioning client.', { caseExact: true }),
  complex(
    'meta',
    'Resource metadata.',
    [
      str('resourceType', 'The name of the resource type.', { caseExact: true, mutability: 'readOnly' }),
      attr('created', 'dateTime', 'When the resource was added.', { mutability: 'readOnly' }),
      attr('lastModified', 'dateTime', 'When the resource was last changed.', { mutability: 'readOnly' }),
      attr('location', 'reference', 'The URI of the resource.', { caseExact: true, mutability: 'readOnly', referenceTypes: ['uri'] }),
      str('version', 'The version (ETag) of the resource.', { caseExact: true, mutability: 'readOnly' }),
    ],
    { mutability: 'readOnly' },
  ),
];

const userAttributes: AttrDef[] = [
  str('userName', 'Unique identifier for the user, typically used to sign in; compared case-insensitively.', { required: true, uniqueness: 'server' }),
  complex('name', "The components of the user's real name.", [
    str('formatted', 'The full name, formatted for display.'),
    str('familyName', 'The family name.'),
    str('givenName', 'The given name.'),
    str('middleName', 'The middle name(s).'),
    str('honorificPrefix', 'The honorific prefix(es).'),
    str('honorificSuffix', 'The honorific suffix(es).'),
  ]),
  str('displayName', 'The name of the user, suitable for display.'),
  str('nickName', 'The casual way to address the user.'),
  attr('profileUrl', 'reference', "A URI of the user's online profile.", { referenceTypes: ['external'] }),
  str('title', "The user's title, such as 'Vice President'."),
  str('userType', 'The relationship between the organization and the user.'),
  str('preferredLanguage', "The user's preferred written or spoken language."),
  str('locale', "The user's default location for localization."),
  str('timezone', "The user's time zone in IANA format."),
  attr('active', 'boolean', "The user's administrative status; false suspends the user's roles."),
  str('password', 'Never stored and never returned by Roster.', { mutability: 'writeOnly', returned: 'never' }),
  multi('emails', 'Email addresses of the user.', 'string', ['work', 'home', 'other']),
  multi('phoneNumbers', 'Phone numbers of the user.', 'string', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  multi('ims', 'Instant messaging addresses.', 'string'),
  multi('photos', 'URLs of photos of the user.', 'reference', ['photo', 'thumbnail']),
  complex(
    'addresses',
    'Physical mailing addresses.',
    [
      str('formatted', 'The full mailing address.'),
      str('streetAddress', 'The street address.'),
      str('locality', 'The city or locality.'),
      str('region', 'The state or region.'),
      str('postalCode', 'The zip or postal code.'),
      str('country', 'The country name (ISO 3166-1 alpha-2).'),
      str('type', 'work, home or other.', { canonicalValues: ['work', 'home', 'other'] }),
      attr('primary', 'boolean', 'Whether this is the preferred address.'),
    ],
    { multiValued: true },
  ),
  complex(
    'groups',
    'The groups the user is directly in (read-only; change them through /Groups).',
    [
      str('value', 'The id of the group.', { mutability: 'readOnly' }),
      attr('$ref', 'reference', 'The URI of the group.', { mutability: 'readOnly', referenceTypes: ['Group'] }),
      str('display', 'The group name.', { mutability: 'readOnly' }),
      str('type', 'direct', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
    ],
    { multiValued: true, mutability: 'readOnly' },
  ),
  multi('entitlements', 'Entitlements of the user.'),
  multi('roles', 'Roles of the user, as the client names them (not Roster roles).'),
  multi('x509Certificates', 'Certificates of the user.', 'binary'),
];

const enterpriseAttributes: AttrDef[] = [
  str('employeeNumber', 'Numeric or alphanumeric identifier assigned to a person by the organization.'),
  str('costCenter', 'Name of a cost center.'),
  str('organization', 'Name of an organization.'),
  str('division', 'Name of a division.'),
  str('department', 'Name of a department.'),
  complex('manager', "The user's manager.", [
    str('value', 'The id of the manager.'),
    attr('$ref', 'reference', 'The URI of the manager.', { referenceTypes: ['User'] }),
    str('displayName', 'The name of the manager.', { mutability: 'readOnly' }),
  ]),
];

const groupAttributes: AttrDef[] = [
  str('displayName', 'A human-readable name for the group (the Roster group name).', { required: true }),
  complex(
    'members',
    'Direct members of the group: users or groups of this source.',
    [
      str('value', 'The id of the member.', { mutability: 'immutable' }),
      attr('$ref', 'reference', 'The URI of the member.', { mutability: 'immutable', referenceTypes: ['User', 'Group'] }),
      str('type', 'User or Group.', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
      str('display', 'The name of the member.', { mutability: 'readOnly' }),
    ],
    { multiValued: true },
  ),
];

export const USER_SCHEMA_DEF: SchemaDef = { id: USER_SCHEMA, name: 'User', description: 'User Account', attributes: userAttributes };
export const ENTERPRISE_SCHEMA_DEF: SchemaDef = { id: ENTERPRISE_SCHEMA, name: 'EnterpriseUser', description: 'Enterprise User', attributes: enterpriseAttributes };
export const GROUP_SCHEMA_DEF: SchemaDef = { id: GROUP_SCHEMA, name: 'Group', description: 'Group', attributes: groupAttributes };
export const ALL_SCHEMAS: readonly SchemaDef[] = [USER_SCHEMA_DEF, ENTERPRISE_SCHEMA_DEF, GROUP_SCHEMA_DEF];

/** Finds a definition by name, case-insensitively (attribute names are case-insensitive, RFC 7643 §2.1). */
export function findAttr(defs: readonly AttrDef[] | undefined, name: string): AttrDef | undefined {
  const lower = name.toLowerCase();
  return defs?.find((d) => d.name.toLowerCase() === lower);
}
