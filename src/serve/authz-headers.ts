/** Header names the nginx `auth_request` and Envoy endpoints read (configurable; lower-case). */
export interface AuthzHeaders {
  readonly subject: string;
  readonly issuer: string;
  readonly uri: string;
  readonly method: string;
  readonly action: string;
  readonly model: string;
  readonly endpoint: string;
  readonly dataClasses: string;
}

export const DEFAULT_AUTHZ_HEADERS: AuthzHeaders = {
  subject: 'x-roster-subject',
  issuer: 'x-roster-issuer',
  uri: 'x-original-uri',
  method: 'x-original-method',
  action: 'x-roster-action',
  model: 'x-roster-model',
  endpoint: 'x-roster-endpoint',
  dataClasses: 'x-roster-data-classes',
};
