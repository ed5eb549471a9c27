import type { Account } from '../model/account.js';
import type { Principal } from '../model/principal.js';
import { accountKey } from './account-key.js';
import type { Conflict } from './conflict.js';
import { normalizeIdentifier } from './normalize-identifier.js';
import type { LinkRule } from './resolve-rules.js';
import type { SourceState } from './source-state.js';

/**
 * What incremental identity linking needs to find the accounts a change can affect without
 * scanning the directory: for every link rule and identifier value, the accounts carrying it;
 * and for every identifier, the principals carrying it (for ambiguity). Owned by the applier,
 * updated after each commit.
 */
export class LinkIndex {
  /** `ruleIndex\0value` -> account keys. */
  private readonly byValue = new Map<string, OneOrMany>();
  /** account key -> its `ruleIndex\0value` keys. */
  readonly keysOf = new Map<string, readonly string[]>();
  /**
   * kind -> value -> principal ids carrying it. Nested rather than keyed by `kind:value`: the
   * value strings are the principals' own, so 500k identifiers cost map entries, not 500k new
   * key strings (about 50 MB at 100k principals).
   */
  private readonly aliasOwners = new Map<string, Map<string, OneOrMany>>();
  /** The `kind:value` keys with more than one owner (few: built only for those). */
  readonly ambiguous = new Set<string>();

  static build(sources: ReadonlyMap<string, SourceState>, rules: readonly LinkRule[], principals: Iterable<Principal>): LinkIndex {
    const index = new LinkIndex();
    for (const [sourceId, state] of sources) {
      for (const [id, account] of state.accounts) index.setAccount(accountKey(sourceId, id), linkKeys(sourceId, account, rules));
    }
    for (const p of principals) index.setPrincipal(p.id, null, p);
    return index;
  }

  /** The account keys carrying a `ruleIndex\0value` key. */
  accountsWith(value: string): Iterable<string> {
    return valuesOf(this.byValue, value);
  }

  setAccount(key: string, keys: readonly string[] | null): void {
    for (const k of this.keysOf.get(key) ?? []) removeFrom(this.byValue, k, key);
    if (keys === null || keys.length === 0) {
      this.keysOf.delete(key);
      return;
    }
    this.keysOf.set(key, keys);
    for (const k of keys) addTo(this.byValue, k, key);
  }

  /** The identifiers more than one principal carries, as conflicts (decisions for them are denied). */
  ambiguousConflicts(): Conflict[] {
    return [...this.ambiguous].sort().map((identifier) => {
      const i = identifier.indexOf(':');
      const owners = [...valuesOf(this.aliasOwners.get(identifier.slice(0, i)) ?? EMPTY, identifier.slice(i + 1))].sort();
      return { kind: 'ambiguous-alias' as const, identifier, accounts: owners, message: `identifier ${identifier} belongs to ${owners.length} principals; decisions for it are denied` };
    });
  }

  /** Replaces a principal's identifiers (before -> after; null = none). */
  setPrincipal(pid: string, before: Principal | null | undefined, after: Principal | null | undefined): void {
    for (const idf of before?.identifiers ?? []) {
      const byValue = this.aliasOwners.get(idf.kind);
      if (!byValue) continue;
      const left = removeFrom(byValue, idf.value, pid);
      if (left <= 1 && this.ambiguous.size) this.ambiguous.delete(`${idf.kind}:${idf.value}`);
      if (byValue.size === 0) this.aliasOwners.delete(idf.kind);
    }
    for (const idf of after?.identifiers ?? []) {
      let byValue = this.aliasOwners.get(idf.kind);
      if (!byValue) this.aliasOwners.set(idf.kind, (byValue = new Map()));
      if (addTo(byValue, idf.value, pid) > 1) this.ambiguous.add(`${idf.kind}:${idf.value}`);
    }
  }
}

/** The rule-scoped value keys an account links by. */
export function linkKeys(sourceId: string, account: Account, rules: readonly LinkRule[]): string[] {
  const out: string[] = [];
  rules.forEach((rule, r) => {
    if (rule.sources && !rule.sources.includes(sourceId)) return;
    for (const idf of account.identifiers) {
      if (idf.kind !== rule.by || (rule.requireVerified && !idf.verified)) continue;
      const v = normalizeIdentifier(idf.kind, idf.value);
      if (v) out.push(`${r}\u0000${v}`);
    }
  });
  return out;
}

/**
 * One holder, or a set once there are several: nearly every link value and alias has exactly
 * one, and 400k one-element sets cost more memory and time than the index is worth.
 */
type OneOrMany = string | Set<string>;
const EMPTY: ReadonlyMap<string, OneOrMany> = new Map();

/** Adds v under k; returns how many values k then has. */
function addTo(map: Map<string, OneOrMany>, k: string, v: string): number {
  const cur = map.get(k);
  if (cur === undefined) {
    map.set(k, v);
    return 1;
  }
  if (typeof cur === 'string') {
    if (cur === v) return 1;
    map.set(k, new Set([cur, v]));
    return 2;
  }
  return cur.add(v).size;
}

/** Removes v from k; returns how many values k still has. */
function removeFrom(map: Map<string, OneOrMany>, k: string, v: string): number {
  const cur = map.get(k);
  if (cur === undefined) return 0;
  if (typeof cur === 'string') {
    if (cur !== v) return 1;
    map.delete(k);
    return 0;
  }
  cur.delete(v);
  if (cur.size === 1) map.set(k, cur.values().next().value!);
  else if (cur.size === 0) map.delete(k);
  return cur.size;
}

function valuesOf(map: ReadonlyMap<string, OneOrMany>, k: string): Iterable<string> {
  const cur = map.get(k);
  return cur === undefined ? [] : typeof cur === 'string' ? [cur] : cur;
}
