import type { ChangeSet } from '../model/change-set.js';

/** How each change-set section maps onto its history table: key columns and data columns. */
export interface TableSpec {
  readonly table: string;
  /**
   * The index led by the key columns; named in UPDATEs so the planner never picks another. Null
   * for WITHOUT ROWID tables, whose primary key (the key columns, then from_v) is that index
   * (statements say NOT INDEXED for them, which leaves exactly the primary key).
   */
  readonly keyIndex: string | null;
  readonly section: keyof Pick<ChangeSet, 'accounts' | 'groups' | 'memberships' | 'principals' | 'links' | 'aliases' | 'grants'>;
  /** [column, property] pairs identifying a row. */
  readonly key: readonly (readonly [string, string])[];
  readonly data: readonly (readonly [string, string])[];
  /**
   * The table's key columns in key order, for tables whose rows arrive in an order unrelated to
   * it: large inserts are staged and sorted by SQLite first (appending to a B-tree is several
   * times faster than scattering into it).
   */
  readonly orderBy?: string;
  /** The property naming the principal a row belongs to (the version's touched principals), if any. */
  readonly principal?: string;
}

export const TABLE_SPECS: readonly TableSpec[] = [
  { table: 'accounts', keyIndex: 'accounts_key', section: 'accounts', key: [['source', 'source'], ['external_id', 'externalId']], data: [['data', 'data']] },
  { table: 'groups', keyIndex: 'groups_key', section: 'groups', key: [['source', 'source'], ['external_id', 'externalId']], data: [['data', 'data']] },
  { table: 'memberships', keyIndex: null, section: 'memberships', key: [['source', 'source'], ['group_id', 'groupId'], ['member', 'member']], data: [] },
  { table: 'principals', keyIndex: 'principals_key', section: 'principals', key: [['id', 'id']], data: [['data', 'data']], principal: 'id' },
  { table: 'links', keyIndex: null, section: 'links', key: [['source', 'source'], ['external_id', 'externalId']], data: [['principal_id', 'principalId']], orderBy: 'source, external_id' },
  { table: 'aliases', keyIndex: null, section: 'aliases', key: [['kind', 'kind'], ['value', 'value'], ['principal_id', 'principalId']], data: [], orderBy: 'value, kind, principal_id', principal: 'principalId' },
  // `path` (JSON) is stored as path_id: the writer maps it through grant_paths.
  { table: 'grants', keyIndex: null, section: 'grants', key: [['principal_id', 'principalId'], ['role', 'role']], data: [['path_id', 'path']], principal: 'principalId' },
];
