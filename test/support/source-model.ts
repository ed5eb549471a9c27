import { canonicalJson } from '../../src/apply/canonical-json.js';
import { normalizeAccount, normalizeGroup } from '../../src/apply/normalize-account.js';
import type { SourceBatch } from '../../src/model/source-delta.js';

/**
 * An independent, naive model of one source's data for property tests: the obvious semantics
 * of full snapshots and deltas, written without the applier's code paths.
 */
export class SourceModel {
  accounts = new Map<string, string>();
  groups = new Map<string, string>();
  members = new Set<string>(); // `${group}\u0000${memberKey}`

  full(batches: readonly SourceBatch[]): void {
    this.accounts = new Map();
    this.groups = new Map();
    this.members = new Set();
    for (const b of batches) {
      for (const a of b.accounts ?? []) this.accounts.set(a.externalId, canonicalJson(normalizeAccount(a)));
      for (const g of b.groups ?? []) this.groups.set(g.externalId, canonicalJson(normalizeGroup(g)));
      for (const m of b.memberships ?? []) this.members.add(`${m.groupId}\u0000${m.memberType === 'account' ? 'a' : 'g'}:${m.memberId}`);
    }
  }

  delta(batches: readonly SourceBatch[]): void {
    for (const b of batches) {
      for (const a of b.accounts ?? []) this.accounts.set(a.externalId, canonicalJson(normalizeAccount(a)));
      for (const g of b.groups ?? []) this.groups.set(g.externalId, canonicalJson(normalizeGroup(g)));
      for (const id of b.removedAccounts ?? []) {
        if (!this.accounts.delete(id)) continue;
        for (const k of [...this.members]) if (k.endsWith(`\u0000a:${id}`)) this.members.delete(k);
      }
      for (const id of b.removedGroups ?? []) {
        if (!this.groups.delete(id)) continue;
        for (const k of [...this.members]) if (k.startsWith(`${id}\u0000`) || k.endsWith(`\u0000g:${id}`)) this.members.delete(k);
      }
      for (const m of b.memberships ?? []) this.members.add(`${m.groupId}\u0000${m.memberType === 'account' ? 'a' : 'g'}:${m.memberId}`);
      for (const m of b.removedMemberships ?? []) this.members.delete(`${m.groupId}\u0000${m.memberType === 'account' ? 'a' : 'g'}:${m.memberId}`);
      for (const r of b.replaceMembers ?? []) {
        for (const k of [...this.members]) if (k.startsWith(`${r.groupId}\u0000`)) this.members.delete(k);
        for (const m of r.members) this.members.add(`${r.groupId}\u0000${m.memberType === 'account' ? 'a' : 'g'}:${m.memberId}`);
      }
    }
  }

  rows(source: string): { accounts: string[]; groups: string[]; memberships: string[] } {
    return {
      accounts: [...this.accounts].map(([id, json]) => `${source}|${id}|${json}`),
      groups: [...this.groups].map(([id, json]) => `${source}|${id}|${json}`),
      memberships: [...this.members].map((k) => `${source}|${k.replace('\u0000', '|')}`),
    };
  }
}
