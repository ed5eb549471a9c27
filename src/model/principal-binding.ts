import type { Principal } from './principal.js';

/** What binding a subject to a principal needs of it (all the decision index keeps). */
export type PrincipalBinding = Pick<Principal, 'id' | 'status' | 'identifiers'>;
