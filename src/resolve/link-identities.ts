import type { Account } from '../model/account.js';
import { accountKey } from './account-key.js';
import type { Conflict } from './conflict.js';
import { normalizeIdentifier } from './normalize-identifier.js';
import type { LinkRule } from './resolve-rules.js';

export interface LinkResult {
  /** Clusters of account keys, each one principal; sorted, deterministic. */
  readonly clusters: readonly (readonly string[])[];
  readonly conflicts: readonly Conflict[];
}

/**
 * Union-find over accounts sharing an identifier named by a link rule. Two accounts of the SAME
 * source are never merged: an identifier claimed twice in one source is a conflict (reported,
 * not used), and a link that would join two clusters holding accounts of one source is refused.
 */
export function linkIdentities(
  sources: ReadonlyMap<string, { readonly accounts: ReadonlyMap<string, Account> }>,
  rules: readonly LinkRule[],
): LinkResult {
  const keys: string[] = [];
  const accounts: Account[] = [];
  const sourceOf: string[] = [];
  for (const [sourceId, state] of sources) {
    for (const [id, account] of state.accounts) {
      keys.push(accountKey(sourceId, id));
      accounts.push(account);
      sourceOf.push(sourceId);
    }
  }
  const parent = keys.map((_, i) => i);
  // Sources held by each root, to refuse merges within one source.
  const rootSources = new Map<number, Set<string>>();
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[i] !== r) {
      const next = parent[i]!;
      parent[i] = r;
      i = next;
    }
    return r;
  };
  const sourcesOf = (root: number): Set<string> => {
    let s = rootSources.get(root);
    if (!s) {
      s = new Set([sourceOf[root]!]);
      rootSources.set(root, s);
    }
    return s;
  };

  const conflicts: Conflict[] = [];
  for (const rule of rules) {
    const allowed = rule.sources ? new Set(rule.sources) : null;
    const byValue = new Map<string, number[]>();
    for (let i = 0; i < accounts.length; i++) {
      if (allowed && !allowed.has(sourceOf[i]!)) continue;
      for (const idf of accounts[i]!.identifiers) {
        if (idf.kind !== rule.by || (rule.requireVerified && !idf.verified)) continue;
        const v = normalizeIdentifier(idf.kind, idf.value);
        if (!v) continue;
        const list = byValue.get(v);
        if (list) {
          if (!list.includes(i)) list.push(i);
        } else byValue.set(v, [i]);
      }
    }
    const values = [...byValue.keys()].filter((v) => byValue.get(v)!.length > 1).sort();
    for (const value of values) {
      const members = byValue.get(value)!.slice().sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
      const perSource = new Map<string, number>();
      let duplicate = false;
      for (const m of members) {
        const s = sourceOf[m]!;
        perSource.set(s, (perSource.get(s) ?? 0) + 1);
        if (perSource.get(s)! > 1) duplicate = true;
      }
      if (duplicate) {
        conflicts.push({
          kind: 'duplicate-identifier-in-source',
          identifier: `${rule.by}:${value}`,
          accounts: members.map((m) => readable(keys[m]!)),
          message: `${rule.by} "${value}" is claimed by more than one account of one source; not used for linking`,
        });
        continue;
      }
      for (let j = 1; j < members.length; j++) {
        const a = find(members[0]!);
        const b = find(members[j]!);
        if (a === b) continue;
        const sa = sourcesOf(a);
        const sb = sourcesOf(b);
        if ([...sb].some((s) => sa.has(s))) {
          conflicts.push({
            kind: 'link-would-merge-same-source',
            identifier: `${rule.by}:${value}`,
            accounts: [readable(keys[members[0]!]!), readable(keys[members[j]!]!)],
            message: `linking by ${rule.by} "${value}" would merge two accounts of one source; left unlinked`,
          });
          continue;
        }
        const [root, child] = a < b ? [a, b] : [b, a];
        parent[child] = root;
        for (const s of sourcesOf(child)) sourcesOf(root).add(s);
        rootSources.delete(child);
      }
    }
  }

  const byRoot = new Map<number, string[]>();
  for (let i = 0; i < keys.length; i++) {
    const r = find(i);
    const list = byRoot.get(r);
    if (list) list.push(keys[i]!);
    else byRoot.set(r, [keys[i]!]);
  }
  const clusters = [...byRoot.values()].map((c) => (c.length > 1 ? c.sort() : c));
  clusters.sort((x, y) => (x[0]! < y[0]! ? -1 : x[0]! > y[0]! ? 1 : 0));
  return { clusters, conflicts };
}

const readable = (key: string): string => key.replace('\u0000', ':');
