/**
 * Okta counts requests per endpoint bucket (developer.okta.com/docs/reference/rl-global-mgmt/).
 * The limiter keeps one budget per bucket, keyed the way Okta's table groups endpoints; the
 * numbers themselves always come from the X-Rate-Limit-* headers, never from this table.
 */
export type BucketName = 'users' | 'user-by-id' | 'groups' | 'group-by-id' | 'logs' | 'token' | 'api';

const ID = '[^/]+';
const RULES: readonly [RegExp, BucketName][] = [
  [/^\/api\/v1\/users\/?$/, 'users'],
  [new RegExp(`^/api/v1/users/${ID}/?$`), 'user-by-id'],
  [new RegExp(`^/api/v1/groups/${ID}/?$`), 'group-by-id'],
  // "/api/v1/groups except /api/v1/groups/{id}": listing groups and their members share a budget.
  [/^\/api\/v1\/groups(\/|$)/, 'groups'],
  [/^\/api\/v1\/logs\/?$/, 'logs'],
  [/^\/oauth2\/v1\/token\/?$/, 'token'],
];

export function bucketOf(url: string): BucketName {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split('?')[0] ?? url;
  }
  for (const [re, name] of RULES) if (re.test(path)) return name;
  return 'api';
}
