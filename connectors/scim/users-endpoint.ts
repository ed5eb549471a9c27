import { createHash } from 'node:crypto';
import { commit } from './commit.js';
import type { Filter } from './filter-ast.js';
import { matches, mentions } from './filter-eval.js';
import { uuidv7 } from './ids.js';
import { deepEqual, isObject, type JsonObject } from './json.js';
import { listRequestFromQuery, listRequestFromSearch, listResponse, type ListRequest } from './list-query.js';
import { parsePatchRequest } from './patch-request.js';
import { ALL, parseProjection, project, wants, type Projection } from './projection.js';
import { isCoreUrn, resourceScope, USER_KIND } from './resource-kind.js';
import { notFound } from './scim-error.js';
import type { EndpointContext, ScimRequest, ScimResponse } from './scim-http.js';
import { normalizeUser } from './user-input.js';
import { userToAccount } from './user-mapping.js';
import { patchUser } from './user-patch.js';

const scope = resourceScope(USER_KIND);
const lockKey = (id: string): string => `u:${id}`;

/** /Users: reads answer from the committed view; every write is committed before it is answered. */
export class UsersEndpoint {
  constructor(private readonly ctx: EndpointContext) {}

  list(req: ScimRequest): ScimResponse {
    return this.search(req, listRequestFromQuery(req.query, USER_KIND, this.ctx.options.maxResults));
  }

  async searchPost(req: ScimRequest): Promise<ScimResponse> {
    return this.search(req, listRequestFromSearch(await req.body(), USER_KIND, this.ctx.options.maxResults));
  }

  get(req: ScimRequest, id: string): ScimResponse {
    const r = this.ctx.users.get(id);
    if (!r) throw notFound(`no User with id "${id}"`);
    return { status: 200, body: this.render(r, req.baseUrl, this.projection(req)) };
  }

  async create(req: ScimRequest): Promise<ScimResponse> {
    const input = normalizeUser(await req.body(), { requireSchemas: true });
    const now = this.ctx.now();
    const id = uuidv7(now);
    const ts = new Date(now).toISOString();
    const resource = stamp(input, id, ts, ts);
    const release = this.ctx.users.claim(resource.userName as string, id);
    try {
      await commit(this.ctx, { accounts: [userToAccount(resource, this.ctx.mapping)] }, 'create user');
    } finally {
      this.ctx.users.refresh(id);
      release();
    }
    const stored = this.ctx.users.get(id) ?? resource;
    return {
      status: 201,
      body: this.render(stored, req.baseUrl, this.projection(req)),
      headers: { Location: `${req.baseUrl}/Users/${id}` },
    };
  }

  async replace(req: ScimRequest, id: string): Promise<ScimResponse> {
    const input = normalizeUser(await req.body(), { requireSchemas: true });
    return this.ctx.locks.exclusive(lockKey(id), () => this.update(req, id, () => input));
  }

  async patch(req: ScimRequest, id: string): Promise<ScimResponse> {
    const ops = parsePatchRequest(await req.body(), USER_KIND);
    return this.ctx.locks.exclusive(lockKey(id), () =>
      this.update(req, id, (current) => normalizeUser(patchUser(current, ops), { requireSchemas: false })),
    );
  }

  async delete(id: string): Promise<ScimResponse> {
    return this.ctx.locks.exclusive(lockKey(id), async () => {
      if (!this.ctx.users.get(id)) throw notFound(`no User with id "${id}"`);
      try {
        await commit(this.ctx, { removedAccounts: [id] }, 'delete user');
      } finally {
        this.ctx.users.refresh(id);
      }
      return { status: 204 };
    });
  }

  /** PUT and PATCH: the new resource from the current one, under the user's exclusive lock. */
  private async update(req: ScimRequest, id: string, next: (current: JsonObject) => JsonObject): Promise<ScimResponse> {
    const current = this.ctx.users.get(id);
    if (!current) throw notFound(`no User with id "${id}"`);
    const input = next(current);
    const meta = isObject(current.meta) ? current.meta : {};
    const created = typeof meta.created === 'string' ? meta.created : new Date(this.ctx.now()).toISOString();
    let resource = stamp(input, id, created, new Date(this.ctx.now()).toISOString());
    if (sameContent(current, resource)) {
      resource = current;
    } else {
      const renamed = String(current.userName).toLowerCase() !== String(resource.userName).toLowerCase();
      const release = renamed ? this.ctx.users.claim(resource.userName as string, id) : () => undefined;
      try {
        await commit(this.ctx, { accounts: [userToAccount(resource, this.ctx.mapping)] }, 'update user');
      } finally {
        this.ctx.users.refresh(id);
        release();
      }
    }
    return { status: 200, body: this.render(this.ctx.users.get(id) ?? resource, req.baseUrl, this.projection(req)) };
  }

  private search(req: ScimRequest, list: ListRequest): ScimResponse {
    const { filter } = list;
    const withGroups = filter !== undefined && mentions(filter, 'groups');
    const page: object[] = [];
    let total = 0;
    const first = list.startIndex - 1;
    for (const id of this.candidates(filter)) {
      const r = this.ctx.users.get(id);
      if (!r) continue;
      if (filter && !matches(filter, withGroups ? this.render(r, req.baseUrl, ALL) : r, scope)) continue;
      if (total >= first && page.length < list.count) page.push(this.render(r, req.baseUrl, list.projection));
      total++;
    }
    return { status: 200, body: listResponse(total, list.startIndex, page) };
  }

  /** Narrows `userName eq "…"` (alone or in an `and`) to the index; otherwise every user in id order. */
  private candidates(filter: Filter | undefined): readonly string[] {
    const name = filter && userNameEquality(filter);
    if (name === undefined) return this.ctx.users.ids();
    const id = this.ctx.users.findByUserName(name);
    return id ? [id] : [];
  }

  private projection(req: ScimRequest): Projection {
    return parseProjection(USER_KIND, req.query.get('attributes'), req.query.get('excludedAttributes'));
  }

  private render(r: JsonObject, baseUrl: string, projection: Projection): JsonObject {
    const view = this.ctx.sink.view();
    const { meta, ...rest } = r;
    const id = r.id as string;
    const out: JsonObject = { ...rest };
    if (wants(projection, USER_KIND, 'groups')) {
      const groups = [...view.groupsOf(id)].sort().map((g) => ({ value: g, $ref: `${baseUrl}/Groups/${g}`, display: view.groups.get(g)?.name ?? g, type: 'direct' }));
      if (groups.length) out.groups = groups;
    }
    out.meta = { ...(isObject(meta) ? meta : {}), location: `${baseUrl}/Users/${id}`, version: etag(r) };
    return project(out, projection, USER_KIND);
  }
}

function userNameEquality(f: Filter): string | undefined {
  if (f.kind === 'compare' && f.op === 'eq' && typeof f.value === 'string' && !f.path.sub && isCoreUrn(USER_KIND, f.path.urn) && f.path.attr.toLowerCase() === 'username') return f.value;
  if (f.kind === 'and') return userNameEquality(f.left) ?? userNameEquality(f.right);
  return undefined;
}

/** The stored form: schemas, id, the attributes, then meta. */
function stamp(input: JsonObject, id: string, created: string, lastModified: string): JsonObject {
  const { schemas, ...rest } = input;
  return { schemas: schemas ?? [], id, ...rest, meta: { resourceType: 'User', created, lastModified } };
}

function sameContent(a: JsonObject, b: JsonObject): boolean {
  const strip = (r: JsonObject): JsonObject => ({ ...r, meta: null });
  return deepEqual(strip(a), strip(b));
}

const etag = (r: JsonObject): string => `W/"${createHash('sha256').update(JSON.stringify(r)).digest('hex').slice(0, 16)}"`;
