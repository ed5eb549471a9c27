import { loadRosterConfig } from '../daemon.js';
import { SqliteRoleStore } from '../store/sqlite-role-store.js';

/** Opens the configured store read-only, for query commands (safe while the daemon runs). */
export function openQueryStore(configFile: string): SqliteRoleStore {
  const config = loadRosterConfig(configFile);
  return SqliteRoleStore.openReadonly(config.store.path);
}
