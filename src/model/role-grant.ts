import type { GrantPath } from './grant-path.js';

/** A principal holds a role, for the reason given by `path`. */
export interface RoleGrant {
  readonly principalId: string;
  readonly role: string;
  readonly path: GrantPath;
}
