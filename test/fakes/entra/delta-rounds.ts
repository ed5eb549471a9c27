import type { Collection, FakeDirectory, ODataType, Obj } from './fake-directory.js';

/**
 * Delta rounds of the fake Graph, after Microsoft's documented semantics:
 * - an initial round lists every current object with its selected properties (groups with all
 *   their members in `members@delta`);
 * - a round from a delta token lists what changed since the token's round started: new and
 *   restored objects in full, updated ones with their changed properties only ("at least the
 *   properties that have been updated") or in full, soft-deleted ones as `@removed: changed`,
 *   permanently deleted ones as `@removed: deleted`, and member additions / removals (`@removed`)
 *   in `members@delta` of their group;
 * - a group's members are spread over pages (the group appears again with the rest);
 * - optional quirks: empty pages that still carry a nextLink, every entry sent twice.
 */

export interface MemberEntry {
  readonly id: string;
  readonly type: ODataType;
  readonly removed?: boolean;
}

export interface RoundItem {
  readonly entry: Record<string, unknown>;
  readonly members?: readonly MemberEntry[];
}

export interface PagingOptions {
  /** Objects per page (users, service principals; groups too, as a cap). */
  pageSize: number;
  /** Member references per page of groups (a larger group is split across pages). */
  membersPerPage: number;
  /** An empty page (with a nextLink) before every page. */
  emptyPages: boolean;
  /** Every entry is sent again on the next page. */
  duplicates: boolean;
  /** Updates carry only their changed properties. */
  partialUpdates: boolean;
}

export function pick(obj: Obj, select: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { id: obj.id };
  for (const k of select) if (k !== 'id' && k !== 'members') out[k] = obj[k] ?? null;
  return out;
}

const withMembers = (select: readonly string[]): boolean => select.includes('members');

/** A group's members as Graph lists them: objects in the recycle bin are not listed (they come back on restore). */
function currentMembers(dir: FakeDirectory, groupId: string): MemberEntry[] {
  const out: MemberEntry[] = [];
  for (const [id, type] of dir.members.get(groupId) ?? []) {
    if (!dir.recycled.users.has(id) && !dir.recycled.groups.has(id) && !dir.recycled.servicePrincipals.has(id)) out.push({ id, type });
  }
  return out;
}

export function initialItems(dir: FakeDirectory, c: Collection, select: readonly string[]): RoundItem[] {
  const items: RoundItem[] = [];
  for (const obj of dir.objects[c].values()) {
    items.push(c === 'groups' && withMembers(select) ? { entry: pick(obj, select), members: currentMembers(dir, obj.id) } : { entry: pick(obj, select) });
  }
  return items;
}

interface Agg {
  created: boolean;
  props: Set<string>;
  removed: 'changed' | 'deleted' | null;
  members: Map<string, MemberEntry>;
}

export function deltaItems(dir: FakeDirectory, c: Collection, select: readonly string[], since: number, partial: boolean): RoundItem[] {
  const aggs = new Map<string, Agg>();
  for (const ch of dir.changesSince(c, since)) {
    let a = aggs.get(ch.id);
    if (!a) aggs.set(ch.id, (a = { created: false, props: new Set(), removed: null, members: new Map() }));
    switch (ch.t) {
      case 'created':
      case 'restored':
        a.created = true;
        a.removed = null;
        break;
      case 'props':
        for (const p of ch.props) a.props.add(p);
        break;
      case 'removed':
        a.removed = ch.reason;
        break;
      case 'member':
        a.members.set(ch.member, ch.present ? { id: ch.member, type: ch.type } : { id: ch.member, type: ch.type, removed: true });
        break;
    }
  }
  const items: RoundItem[] = [];
  const tracked = new Set(select);
  for (const [id, a] of aggs) {
    const obj = dir.objects[c].get(id);
    if (!obj) {
      if (a.removed) items.push({ entry: { id, '@removed': { reason: dir.recycled[c].has(id) ? 'changed' : 'deleted' } } });
      continue;
    }
    const groups = c === 'groups' && withMembers(select);
    if (a.created) {
      items.push(groups ? { entry: pick(obj, select), members: currentMembers(dir, id) } : { entry: pick(obj, select) });
      continue;
    }
    const changed = [...a.props].filter((p) => tracked.has(p));
    const memberChanges = groups ? [...a.members.values()] : [];
    if (changed.length === 0 && memberChanges.length === 0) continue;
    let entry: Record<string, unknown>;
    if (!partial) entry = pick(obj, select);
    else {
      entry = { id };
      for (const p of changed) entry[p] = obj[p] ?? null;
    }
    items.push(groups ? { entry, members: memberChanges } : { entry });
  }
  return items;
}

const renderMember = (m: MemberEntry): Record<string, unknown> =>
  m.removed ? { '@odata.type': m.type, id: m.id, '@removed': { reason: 'deleted' } } : { '@odata.type': m.type, id: m.id };

/** One page: segments of items (a group split over pages has one segment per page). */
type Segment = { readonly item: number; readonly from: number; readonly to: number; readonly first: boolean };

/** A round laid out in pages; pages are rendered when requested (a large round is not held as JSON). */
export class Round {
  readonly pages: Segment[][] = [];

  constructor(
    readonly collection: Collection,
    readonly items: readonly RoundItem[],
    /** The directory's sequence number when the round started: its delta token resumes from here. */
    readonly startSeq: number,
    readonly select: readonly string[],
    opts: PagingOptions,
  ) {
    let page: Segment[] = [];
    let budget = opts.membersPerPage;
    const flush = (): void => {
      this.pages.push(page);
      page = [];
      budget = opts.membersPerPage;
    };
    items.forEach((it, i) => {
      const n = it.members?.length ?? 0;
      let from = 0;
      do {
        if (page.length >= opts.pageSize || (n > 0 && budget === 0)) flush();
        const to = Math.min(n, from + Math.max(budget, 0));
        page.push({ item: i, from, to, first: from === 0 });
        budget -= to - from;
        from = to;
      } while (from < n);
    });
    if (page.length || this.pages.length === 0) flush();
    if (opts.duplicates) {
      for (let p = this.pages.length - 1; p > 0; p--) this.pages[p] = [...this.pages[p]!, ...this.pages[p - 1]!];
    }
    if (opts.emptyPages) {
      const spaced: Segment[][] = [];
      for (const p of this.pages) spaced.push([], p);
      this.pages.splice(0, this.pages.length, ...spaced);
    }
  }

  render(page: number): Record<string, unknown>[] {
    return this.pages[page]!.map((s) => {
      const it = this.items[s.item]!;
      if (!it.members) return it.entry;
      const part = it.members.slice(s.from, s.to).map(renderMember);
      const base = s.first ? { ...it.entry } : { id: it.entry.id };
      return part.length || !s.first ? { ...base, 'members@delta': part } : base;
    });
  }
}
