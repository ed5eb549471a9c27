import type { ChangeSet } from '../model/change-set.js';

/** How each change-set section maps onto its history table: key columns and data columns. */
export interface TableSpec {
  readonly table: string;
  readonly section: keyof Pick<ChangeSet, 'accounts' | 'groups' | 'memberships' | 'principals' | 'links' | 'aliases' | 'grants'>;
  /** [column, property] pairs identifying a row. */
  readonly key: readonly (readonly [string, string])[];
  readonly data: readonly (readonly [string, string])[];
}

export const TABLE_SPECS: readonly TableSpec[] = [
  { table: 'accounts', section: 'accounts', key: [['source', 'source'], ['external_id', 'externalId']], data: [['data', 'data']] },
  { table: 'groups', section: 'groups', key: [['source', 'source'], ['external_id', 'externalId']], data: [['data', 'data']] },
  { table: 'memberships', section: 'memberships', key: [['source', 'source'], ['group_id', 'groupId'], ['member', 'member']], data: [] },
  { table: 'principals', section: 'principals', key: [['id', 'id']], data: [['data', 'data']] },
  { table: 'links', section: 'links', key: [['source', 'source'], ['external_id', 'externalId']], data: [['principal_id', 'principalId']] },
  { table: 'aliases', section: 'aliases', key: [['kind', 'kind'], ['value', 'value'], ['principal_id', 'principalId']], data: [] },
  { table: 'grants', section: 'grants', key: [['principal_id', 'principalId'], ['role', 'role']], data: [['path', 'path']] },
];
