import type { IncomingHttpHeaders } from 'node:http';
import type { DecisionRequest } from '../model/decision.js';
import { RosterError } from '../errors/roster-error.js';
import { isCanonicalPath } from '../policy/canonical-path.js';
import type { AuthzHeaders } from './authz-headers.js';

const one = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
};

/**
 * Builds a decision request from proxy headers (nginx auth_request, Envoy ext_authz). `path`
 * and `method` are the original request's when the proxy does not pass them in headers.
 */
export function requestFromHeaders(h: IncomingHttpHeaders, names: AuthzHeaders, fallback: { path?: string; method?: string }): DecisionRequest {
  const id = one(h, names.subject);
  if (!id) throw new RosterError('ROSTER_ERR_SUBJECT_MISSING', { header: names.subject });
  const uri = one(h, names.uri) ?? fallback.path ?? '/';
  const route = uri.split('?')[0]!;
  if (!isCanonicalPath(route)) throw new RosterError('ROSTER_ERR_REQUEST_INVALID', { details: `the original path "${route.slice(0, 200)}" is not canonical (dot segments, "//", encoded dots or slashes): refused` });
  const resource: Record<string, string> = {};
  const model = one(h, names.model);
  const endpoint = one(h, names.endpoint);
  if (model) resource.model = model;
  if (endpoint) resource.endpoint = endpoint;
  const classes = one(h, names.dataClasses);
  const issuer = one(h, names.issuer);
  const action = one(h, names.action);
  return {
    subject: issuer ? { id, issuer } : { id },
    route,
    method: (one(h, names.method) ?? fallback.method ?? 'GET').toUpperCase(),
    ...(action ? { action } : {}),
    ...(model || endpoint ? { resource } : {}),
    ...(classes ? { context: { dataClasses: classes.split(',').map((c) => c.trim()).filter(Boolean) } } : {}),
  };
}
