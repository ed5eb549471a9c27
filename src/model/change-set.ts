import type { VersionTrigger } from './role-state-version.js';

/**
 * One role-state version as a self-contained change set: every row that ends and every row
 * that starts at this version. The store commits it in one transaction; a replica could replay
 * the same sequence in order. JSON columns hold canonical JSON of the model objects.
 */
export interface ChangeSet {
  readonly source: string;
  readonly trigger: VersionTrigger;
  readonly committedAt: number;
  readonly accounts: RowChanges<{ readonly source: string; readonly externalId: string }, { readonly data: string }>;
  readonly groups: RowChanges<{ readonly source: string; readonly externalId: string }, { readonly data: string }>;
  readonly memberships: RowChanges<{ readonly source: string; readonly groupId: string; readonly member: string }, object>;
  readonly principals: RowChanges<{ readonly id: string }, { readonly data: string }>;
  readonly links: RowChanges<{ readonly source: string; readonly externalId: string }, { readonly principalId: string }>;
  readonly aliases: RowChanges<{ readonly kind: string; readonly value: string; readonly principalId: string }, object>;
  readonly grants: RowChanges<{ readonly principalId: string; readonly role: string }, { readonly path: string }>;
}

/**
 * A section's rows: counted up front, and possibly made only as they are read (see
 * KeyedRows), so the store streams a 100k-user initial apply's two million rows into its
 * transaction without all of them ever being held at once. An array is rows too.
 */
export interface Rows<T> extends Iterable<T> {
  readonly length: number;
}

/** `ended`: current rows (by key) that stop at this version; `started`: rows that begin at it. */
export interface RowChanges<Key, Data> {
  readonly ended: Rows<Key>;
  readonly started: Rows<Key & Data>;
}

/** Rows a change set ends and starts, over all sections. */
export const changeSetRows = (c: ChangeSet): number =>
  [c.accounts, c.groups, c.memberships, c.principals, c.links, c.aliases, c.grants].reduce((n, r) => n + r.ended.length + r.started.length, 0);

export const isEmptyChangeSet = (c: ChangeSet): boolean => changeSetRows(c) === 0;
