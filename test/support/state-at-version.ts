import type { Db } from '../../src/store/open-database.js';

const ALIVE = 'from_v <= ? AND (to_v IS NULL OR to_v > ?)';

/** Every table's rows valid at version v, as sorted strings: the exact state at that version. */
export type TableRows = Record<'accounts' | 'groups' | 'memberships' | 'principals' | 'links' | 'aliases' | 'grants', string[]>;

export function stateAtVersion(db: Db, v: number): TableRows {
  const q = (sql: string): string[] =>
    (db.prepare(sql).raw().all(v, v) as unknown[][]).map((r) => r.map(String).join('|')).sort();
  return {
    accounts: q(`SELECT source, external_id, data FROM accounts WHERE ${ALIVE}`),
    groups: q(`SELECT source, external_id, data FROM groups WHERE ${ALIVE}`),
    memberships: q(`SELECT source, group_id, member FROM memberships WHERE ${ALIVE}`),
    principals: q(`SELECT id, data FROM principals WHERE ${ALIVE}`),
    links: q(`SELECT source, external_id, principal_id FROM links WHERE ${ALIVE}`),
    aliases: q(`SELECT kind, value, principal_id FROM aliases WHERE ${ALIVE}`),
    grants: q(`SELECT g.principal_id, g.role, p.json FROM grants g JOIN grant_paths p ON p.id = g.path_id WHERE ${ALIVE.replace(/(from_v|to_v)/g, 'g.$1')}`),
  };
}

/** The current rows (to_v IS NULL) in the same form. */
export function currentState(db: Db): TableRows {
  const max = (db.prepare('SELECT max(id) AS v FROM versions').get() as { v: number | null }).v ?? 0;
  return stateAtVersion(db, max);
}
