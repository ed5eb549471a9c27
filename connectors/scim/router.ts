import { refuseFilter, resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import type { GroupsEndpoint } from './groups-endpoint.js';
import { ScimError, notFound } from './scim-error.js';
import type { ScimRequest, ScimResponse } from './scim-http.js';
import type { UsersEndpoint } from './users-endpoint.js';

const notAllowed = (allow: string): ScimError => new ScimError(405, undefined, `method not allowed here (allowed: ${allow})`, { Allow: allow });
const notImplemented = (what: string): ScimError => new ScimError(501, undefined, `${what} is not supported by this service provider`);

/** Dispatches a request below the base path to its endpoint. */
export async function route(req: ScimRequest, users: UsersEndpoint, groups: GroupsEndpoint, maxResults: number): Promise<ScimResponse> {
  const [resource, id, ...rest] = req.segments;
  const m = req.method;
  if (resource === undefined) throw notFound('no resource named; try /Users, /Groups or /ServiceProviderConfig');
  switch (resource.toLowerCase()) {
    case 'users':
    case 'groups': {
      if (rest.length) throw notFound(`no such resource: ${req.segments.join('/')}`);
      const ep = resource.toLowerCase() === 'users' ? users : groups;
      if (id === undefined) {
        if (m === 'GET') return ep.list(req);
        if (m === 'POST') return ep.create(req);
        throw notAllowed('GET, POST');
      }
      if (id === '.search') {
        if (m === 'POST') return ep.searchPost(req);
        throw notAllowed('POST');
      }
      if (m === 'GET') return ep.get(req, id);
      if (m === 'PUT') return ep.replace(req, id);
      if (m === 'PATCH') return ep.patch(req, id);
      if (m === 'DELETE') return ep.delete(id);
      throw notAllowed('GET, PUT, PATCH, DELETE');
    }
    case 'serviceproviderconfig':
    case 'resourcetypes':
    case 'schemas': {
      if (m !== 'GET') throw notAllowed('GET');
      refuseFilter(req.query.get('filter'));
      const name = resource.toLowerCase();
      if (name === 'serviceproviderconfig') {
        if (id !== undefined) throw notFound('ServiceProviderConfig has no sub-resources');
        return { status: 200, body: serviceProviderConfig(req.baseUrl, maxResults) };
      }
      if (rest.length) throw notFound(`no such resource: ${req.segments.join('/')}`);
      return { status: 200, body: name === 'schemas' ? schemas(req.baseUrl, id) : resourceTypes(req.baseUrl, id) };
    }
    case 'bulk':
      throw notImplemented('Bulk');
    case 'me':
      throw notImplemented('/Me');
    case '.search':
      throw notImplemented('searching across resource types (POST /.search)');
    default:
      throw notFound(`no resource "${resource}"; try /Users, /Groups or /ServiceProviderConfig`);
  }
}
