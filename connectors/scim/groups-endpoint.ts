import type { SourceBatch, SourceView } from '../connector.js';
import type { MemberType } from '../../src/model/membership.js';
import { commit, isEmptyBatch } from './commit.js';
import { matches, mentions } from './filter-eval.js';
import { parseGroupInput, type MemberRef } from './group-input.js';
import { compileGroupPatch, type Member } from './group-patch.js';
import { uuidv7 } from './ids.js';
import type { JsonObject } from './json.js';
import { listRequestFromQuery, listRequestFromSearch, listResponse, type ListRequest } from './list-query.js';
import { parsePatchRequest } from './patch-request.js';
import { ALL, parseProjection, project, wants, type Projection } from './projection.js';
import { GROUP_KIND, resourceScope } from './resource-kind.js';
import { notFound } from './scim-error.js';
import type { EndpointContext, ScimRequest, ScimResponse } from './scim-http.js';
import { GROUP_SCHEMA } from './scim-schemas.js';

const scope = resourceScope(GROUP_KIND);
const lockKey = (id: string): string => `g:${id}`;

/**
 * /Groups: a SCIM group is a Roster group (externalId = the id assigned here, name = displayName)
 * and its direct memberships. Member PATCHes are deltas, so concurrent ones lose nothing.
 */
export class GroupsEndpoint {
  constructor(private readonly ctx: EndpointContext) {}

  private get view(): SourceView {
    return this.ctx.sink.view();
  }

  list(req: ScimRequest): ScimResponse {
    return this.search(req, listRequestFromQuery(req.query, GROUP_KIND, this.ctx.options.maxResults));
  }

  async searchPost(req: ScimRequest): Promise<ScimResponse> {
    return this.search(req, listRequestFromSearch(await req.body(), GROUP_KIND, this.ctx.options.maxResults));
  }

  get(req: ScimRequest, id: string): ScimResponse {
    this.mustExist(id);
    return { status: 200, body: this.render(id, req.baseUrl, this.projection(req)) };
  }

  async create(req: ScimRequest): Promise<ScimResponse> {
    const input = parseGroupInput(await req.body());
    const id = uuidv7(this.ctx.now());
    const members = this.resolveAll(id, input.members, 'create group');
    await commit(
      this.ctx,
      { groups: [{ externalId: id, name: input.displayName }], memberships: members.map((m) => ({ groupId: id, ...m })) },
      'create group',
    );
    return {
      status: 201,
      body: this.render(id, req.baseUrl, this.projection(req)),
      headers: { Location: `${req.baseUrl}/Groups/${id}` },
    };
  }

  /** PUT replaces the name and the whole member list (members left out are removed). */
  async replace(req: ScimRequest, id: string): Promise<ScimResponse> {
    const input = parseGroupInput(await req.body());
    return this.ctx.locks.exclusive(lockKey(id), async () => {
      const current = this.mustExist(id);
      const members = this.resolveAll(id, input.members, 'replace group');
      const batch: SourceBatch = {
        ...(current.name !== input.displayName ? { groups: [{ externalId: id, name: input.displayName }] } : {}),
        replaceMembers: [{ groupId: id, members }],
      };
      await commit(this.ctx, batch, 'replace group');
      return { status: 200, body: this.render(id, req.baseUrl, this.projection(req)) };
    });
  }

  /**
   * PATCH: 204 No Content (as Okta and Entra expect for groups), or 200 with the group when the
   * request names `attributes` or `excludedAttributes`. Unknown member ids are skipped and logged.
   */
  async patch(req: ScimRequest, id: string): Promise<ScimResponse> {
    const ops = parsePatchRequest(await req.body(), GROUP_KIND);
    return this.ctx.locks.shared(lockKey(id), async () => {
      const current = this.mustExist(id);
      const p = compileGroupPatch(ops, {
        groupId: id,
        resolve: (m) => this.memberType(m),
        currentMembers: () => this.view.members(id),
      });
      if (p.skipped.length) this.warnSkipped(id, p.skipped, 'patch group');
      const changes = [...p.changes.values()];
      const batch: SourceBatch = {
        ...(p.name !== undefined && p.name !== current.name ? { groups: [{ externalId: id, name: p.name }] } : {}),
        ...(p.replace ? { replaceMembers: [{ groupId: id, members: [...p.replace.values()] }] } : {}),
        memberships: changes.filter((c) => c.present).map((c) => ({ groupId: id, ...c.member })),
        removedMemberships: changes.filter((c) => !c.present).map((c) => ({ groupId: id, ...c.member })),
      };
      if (!isEmptyBatch(batch)) await commit(this.ctx, batch, 'patch group');
      if (req.query.get('attributes') === undefined && req.query.get('excludedAttributes') === undefined) return { status: 204 };
      return { status: 200, body: this.render(id, req.baseUrl, this.projection(req)) };
    });
  }

  async delete(id: string): Promise<ScimResponse> {
    return this.ctx.locks.exclusive(lockKey(id), async () => {
      this.mustExist(id);
      await commit(this.ctx, { removedGroups: [id] }, 'delete group');
      return { status: 204 };
    });
  }

  private search(req: ScimRequest, list: ListRequest): ScimResponse {
    const { filter } = list;
    const needMembers = filter !== undefined && mentions(filter, 'members');
    const page: object[] = [];
    let total = 0;
    const first = list.startIndex - 1;
    for (const id of [...this.view.groups.keys()].sort()) {
      if (filter && !matches(filter, this.render(id, req.baseUrl, needMembers ? ALL : { mode: 'exclude', paths: [{ attr: 'members' }] }), scope)) continue;
      if (total >= first && page.length < list.count) page.push(this.render(id, req.baseUrl, list.projection));
      total++;
    }
    return { status: 200, body: listResponse(total, list.startIndex, page) };
  }

  private render(id: string, baseUrl: string, projection: Projection): JsonObject {
    const view = this.view;
    const out: JsonObject = { schemas: [GROUP_SCHEMA], id, displayName: view.groups.get(id)?.name ?? '' };
    if (wants(projection, GROUP_KIND, 'members')) {
      out.members = view
        .members(id)
        .filter((m) => (m.memberType === 'account' ? view.accounts.has(m.memberId) : view.groups.has(m.memberId)))
        .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
        .map((m) =>
          m.memberType === 'account'
            ? { value: m.memberId, type: 'User', display: view.accounts.get(m.memberId)?.displayName ?? m.memberId, $ref: `${baseUrl}/Users/${m.memberId}` }
            : { value: m.memberId, type: 'Group', display: view.groups.get(m.memberId)?.name ?? m.memberId, $ref: `${baseUrl}/Groups/${m.memberId}` },
        );
    }
    out.meta = { resourceType: 'Group', location: `${baseUrl}/Groups/${id}` };
    return project(out, projection, GROUP_KIND);
  }

  private mustExist(id: string) {
    const g = this.view.groups.get(id);
    if (!g) throw notFound(`no Group with id "${id}"`);
    return g;
  }

  private memberType(id: string): MemberType | undefined {
    const view = this.view;
    return view.accounts.has(id) ? 'account' : view.groups.has(id) ? 'group' : undefined;
  }

  private resolveAll(groupId: string, refs: readonly MemberRef[], what: string): Member[] {
    const out = new Map<string, Member>();
    const skipped: string[] = [];
    for (const r of refs) {
      const type = r.value === groupId ? undefined : this.memberType(r.value);
      if (type) out.set(`${type}:${r.value}`, { memberType: type, memberId: r.value });
      else skipped.push(r.value);
    }
    if (skipped.length) this.warnSkipped(groupId, skipped, what);
    return [...out.values()];
  }

  private warnSkipped(groupId: string, ids: readonly string[], what: string): void {
    this.ctx.log.warn({ group: groupId, unknownMembers: ids.slice(0, 20), count: ids.length, what }, 'scim: skipped member ids that name no user or group of this source');
  }

  private projection(req: ScimRequest): Projection {
    return parseProjection(GROUP_KIND, req.query.get('attributes'), req.query.get('excludedAttributes'));
  }
}
