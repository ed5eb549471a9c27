import { badRequest } from './scim-error.js';
import { asArray, getCi, isObject, type Json, type JsonObject } from './json.js';
import { requireSchema } from './user-input.js';
import { GROUP_SCHEMA } from './scim-schemas.js';

/** A member as the client names it: the SCIM id of a user or group of this source. */
export interface MemberRef {
  readonly value: string;
  readonly type?: string;
}

export interface GroupInput {
  readonly displayName: string;
  /** Empty when absent: POST creates an empty group, PUT clears the members. */
  readonly members: readonly MemberRef[];
}

/**
 * A Group body of POST or PUT. Only displayName and members are kept (the Roster group model has
 * no other fields): externalId and unknown attributes are accepted and not stored; read-only
 * attributes are ignored.
 */
export function parseGroupInput(body: unknown): GroupInput {
  if (!isObject(body)) throw badRequest('invalidSyntax', 'the request body must be a JSON object');
  requireSchema(body, GROUP_SCHEMA);
  return { displayName: parseDisplayName(getCi(body, 'displayName')), members: parseMembers(getCi(body, 'members') ?? null) };
}

export function parseDisplayName(v: Json | undefined): string {
  if (typeof v !== 'string' || v.trim() === '') throw badRequest('invalidValue', 'displayName is required and must be a non-empty string');
  return v;
}

/** `[{ value, type?, display?, $ref? }]`, a single such object, or bare id strings. */
export function parseMembers(v: Json): MemberRef[] {
  return asArray(v).map((m, i) => {
    if (typeof m === 'string' && m.trim()) return { value: m.trim() };
    if (!isObject(m)) throw badRequest('invalidValue', `members[${i}] must be an object with a "value"`);
    return memberOf(m, i);
  });
}

function memberOf(m: JsonObject, i: number): MemberRef {
  const value = getCi(m, 'value');
  if (typeof value !== 'string' || value.trim() === '') throw badRequest('invalidValue', `members[${i}].value must be a non-empty string (the member's id)`);
  const type = getCi(m, 'type');
  if (type !== undefined && type !== null && typeof type !== 'string') throw badRequest('invalidValue', `members[${i}].type must be "User" or "Group"`);
  return typeof type === 'string' ? { value: value.trim(), type } : { value: value.trim() };
}
