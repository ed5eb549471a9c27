import type { Membership, MemberType } from '../../src/model/membership.js';
import type { Filter } from './filter-ast.js';
import { matches } from './filter-eval.js';
import { parseDisplayName, parseMembers, type MemberRef } from './group-input.js';
import { badRequest } from './scim-error.js';
import type { JsonObject } from './json.js';
import { elementScope, isCoreUrn, GROUP_KIND } from './resource-kind.js';
import type { PatchOperation } from './patch-request.js';
import { findAttr } from './scim-schemas.js';

export type Member = Omit<Membership, 'groupId'>;

export interface GroupPatchContext {
  readonly groupId: string;
  /** The type of a member id in this source, or undefined when no such user or group exists. */
  resolve(id: string): MemberType | undefined;
  /** The group's committed direct members (read only for filters other than `value eq`). */
  currentMembers(): readonly Member[];
}

/**
 * The net effect of one group PATCH, as deltas that commute with concurrent PATCHes where the RFC
 * allows: added and removed members (`memberships` / `removedMemberships`), or, after a replace of
 * the member list (Okta Group Push), the whole list (`replaceMembers`).
 */
export interface GroupPatch {
  name?: string;
  replace: Map<string, Member> | null;
  readonly changes: Map<string, { readonly member: Member; readonly present: boolean }>;
  /** Member ids named by an add or replace that exist in no user or group of this source. */
  readonly skipped: string[];
}

const keyOf = (m: Member): string => `${m.memberType === 'account' ? 'a' : 'g'}:${m.memberId}`;
const MEMBERS_SUBS = findAttr(GROUP_KIND.core.attributes, 'members')!.subAttributes;

/**
 * Compiles a group PATCH. A member id that does not exist is skipped (and reported in `skipped`)
 * while the rest of the PATCH applies: ids are assigned by this receiver, so such an id can only
 * be a user deleted meanwhile or a client error, and failing the whole PATCH would make Okta and
 * Entra retry it forever and hold back every other member in it.
 */
export function compileGroupPatch(ops: readonly PatchOperation[], ctx: GroupPatchContext): GroupPatch {
  const out: GroupPatch = { replace: null, changes: new Map(), skipped: [] };
  const set = (m: Member, present: boolean): void => {
    if (out.replace) {
      if (present) out.replace.set(keyOf(m), m);
      else out.replace.delete(keyOf(m));
    } else out.changes.set(keyOf(m), { member: m, present });
  };
  const resolved = (refs: readonly MemberRef[]): Member[] => {
    const list: Member[] = [];
    for (const r of refs) {
      const type = r.value === ctx.groupId ? undefined : ctx.resolve(r.value);
      if (type) list.push({ memberType: type, memberId: r.value });
      else out.skipped.push(r.value);
    }
    return list;
  };
  const remove = (id: string): void => {
    const type = ctx.resolve(id);
    // An id of nothing known may still be a member left behind: remove it under both types.
    if (type) set({ memberType: type, memberId: id }, false);
    else for (const t of ['account', 'group'] as const) set({ memberType: t, memberId: id }, false);
  };

  for (const op of ops) {
    const { path } = op;
    if (path.urn && !isCoreUrn(GROUP_KIND, path.urn)) throw badRequest('invalidPath', `unknown attribute ${path.urn}:${path.attr}`);
    switch (path.attr.toLowerCase()) {
      case 'displayname':
        if (path.filter || path.sub) throw badRequest('invalidPath', 'displayName has no sub-attributes');
        if (op.op === 'remove') throw badRequest('invalidValue', 'displayName is required and cannot be removed');
        out.name = parseDisplayName(op.value);
        break;
      case 'members':
        if (path.sub || (path.filter && op.op !== 'remove')) throw badRequest('invalidPath', 'members can be added, replaced or removed, not changed in place');
        if (op.op === 'add') for (const m of resolved(parseMembers(op.value ?? null))) set(m, true);
        else if (op.op === 'replace') {
          out.replace = new Map(resolved(parseMembers(op.value ?? null)).map((m) => [keyOf(m), m]));
          out.changes.clear();
        } else if (path.filter) for (const id of filteredIds(path.filter, out, ctx)) remove(id);
        else if (op.value !== undefined && op.value !== null) for (const r of parseMembers(op.value)) remove(r.value);
        else {
          out.replace = new Map();
          out.changes.clear();
        }
        break;
      case 'id':
        if (op.op === 'remove' || op.value !== ctx.groupId) throw badRequest('mutability', 'id is read-only');
        break;
      case 'externalid':
      case 'schemas':
        break; // accepted, not stored
      case 'meta':
        if (!op.fromValueObject) throw badRequest('mutability', 'meta is read-only');
        break;
      default:
        throw badRequest('invalidPath', `unknown Group attribute "${path.attr}"`);
    }
  }
  return out;
}

/** Ids named by `value eq "…"` (or several joined by `or`), or those of the current members a filter matches. */
function filteredIds(filter: Filter, state: GroupPatch, ctx: GroupPatchContext): string[] {
  const direct = valueEqualities(filter);
  if (direct) return direct;
  const current = new Map<string, Member>(state.replace ?? ctx.currentMembers().map((m) => [keyOf(m), m]));
  if (!state.replace) for (const [k, c] of state.changes) c.present ? current.set(k, c.member) : current.delete(k);
  const scope = elementScope(MEMBERS_SUBS);
  return [...current.values()]
    .filter((m) => matches(filter, { value: m.memberId, type: m.memberType === 'account' ? 'User' : 'Group' } as JsonObject, scope))
    .map((m) => m.memberId);
}

function valueEqualities(f: Filter): string[] | null {
  if (f.kind === 'compare' && f.op === 'eq' && f.path.attr.toLowerCase() === 'value' && !f.path.sub && typeof f.value === 'string') return [f.value];
  if (f.kind === 'or') {
    const l = valueEqualities(f.left);
    const r = valueEqualities(f.right);
    return l && r ? [...l, ...r] : null;
  }
  return null;
}
