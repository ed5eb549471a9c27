import type { ChangeSet } from '../model/change-set.js';

/** How each change-set section maps onto its history table: key columns and data columns. */
export interface TableSpec {
  readonly table: string;
  readonly section: keyof Pick<ChangeSet, 'accounts' | 'groups' | 'memberships' | 'principals' | 'links' | 'aliases' | 'grants'>;
  /** [column, property] pairs identifying a row. */
  readonly key: readonly (readonly [string, string])[];
  readonly data: readonly (readonly [string, string])[];
  /**
   * Large inserts are sorted by this property first when the rows arrive in an order unrelated
   * to the table's index (appending to a B-tree is several times faster than scattering into it).
   */
  readonly sortBy?: string;
}

export const TABLE_SPECS: readonly TableSpec[] = [
  { table: 'accounts', section: 'accounts', key: [['source', 'source'], ['external_id', 'externalId']], data: [['data', 'data']] },
  { table: 'groups', section: 'groups', key: [['source', 'source'], ['external_id', 'externalId']], data: [['data', 'data']] },
  { table: 'memberships', section: 'memberships', key: [['source', 'source'], ['group_id', 'groupId'], ['member', 'member']], data: [] },
  { table: 'principals', section: 'principals', key: [['id', 'id']], data: [['data', 'data']] },
  { table: 'links', section: 'links', key: [['source', 'source'], ['external_id', 'externalId']], data: [['principal_id', 'principalId']], sortBy: 'externalId' },
  { table: 'aliases', section: 'aliases', key: [['kind', 'kind'], ['value', 'value'], ['principal_id', 'principalId']], data: [], sortBy: 'value' },
  { table: 'grants', section: 'grants', key: [['principal_id', 'principalId'], ['role', 'role']], data: [['path', 'path']] },
];
