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
  readonly byValue = new Map<string, Set<string>>();
  /** account key -> its `ruleIndex\0value` keys. */
  readonly keysOf = new Map<string, readonly string[]>();
  /** `kind:value` -> principal ids carrying it. */
  readonly aliasOwners = new Map<string, Set<string>>();
  /** The `kind:value` keys with more than one owner. */
  readonly ambiguous = new Set<string>();

  static build(sources: ReadonlyMap<string, SourceState>, rules: readonly LinkRule[], principals: Iterable<Principal>): LinkIndex {
    const index = new LinkIndex();
    for (const [sourceId, state] of sources) {
      for (const [id, account] of state.accounts) index.setAccount(accountKey(sourceId, id), linkKeys(sourceId, account, rules));
    }
    for (const p of principals) index.setPrincipal(p.id, null, p);
    return index;
  }

  setAccount(key: string, keys: readonly string[] | null): void {
    for (const k of this.keysOf.get(key) ?? []) {
      const set = this.byValue.get(k);
      set?.delete(key);
      if (set?.size === 0) this.byValue.delete(k);
    }
    if (keys === null || keys.length === 0) {
      this.keysOf.delete(key);
      return;
    }
    this.keysOf.set(key, keys);
    for (const k of keys) {
      const set = this.byValue.get(k);
      if (set) set.add(key);
      else this.byValue.set(k, new Set([key]));
    }
  }

  /** The identifiers more than one principal carries, as conflicts (decisions for them are denied). */
  ambiguousConflicts(): Conflict[] {
    return [...this.ambiguous].sort().map((identifier) => {
      const owners = [...(this.aliasOwners.get(identifier) ?? [])].sort();
      return { kind: 'ambiguous-alias' as const, identifier, accounts: owners, message: `identifier ${identifier} belongs to ${owners.length} principals; decisions for it are denied` };
    });
  }

  /** Replaces a principal's identifiers (before -> after; null = none). */
  setPrincipal(pid: string, before: Principal | null | undefined, after: Principal | null | undefined): void {
    for (const idf of before?.identifiers ?? []) {
      const k = `${idf.kind}:${idf.value}`;
      const owners = this.aliasOwners.get(k);
      if (!owners) continue;
      owners.delete(pid);
      if (owners.size <= 1) this.ambiguous.delete(k);
      if (owners.size === 0) this.aliasOwners.delete(k);
    }
    for (const idf of after?.identifiers ?? []) {
      const k = `${idf.kind}:${idf.value}`;
      const owners = this.aliasOwners.get(k);
      if (!owners) this.aliasOwners.set(k, new Set([pid]));
      else {
        owners.add(pid);
        if (owners.size > 1) this.ambiguous.add(k);
      }
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
