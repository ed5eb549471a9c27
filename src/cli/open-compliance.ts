import { existsSync } from 'node:fs';
import { ComplianceService } from '../compliance/compliance-service.js';
import { loadRosterConfig } from '../daemon.js';
import { DecisionLogStore } from '../store/decision-log-store.js';
import { SqliteRoleStore } from '../store/sqlite-role-store.js';

/** Read-only handles on the store and (if present) the decision log, for one compliance command. */
export function openCompliance(configFile: string): { service: ComplianceService; close(): void } {
  const config = loadRosterConfig(configFile);
  const store = SqliteRoleStore.openReadonly(config.store.path);
  let log: DecisionLogStore | null = null;
  try {
    if (existsSync(config.decisionLog.path)) log = DecisionLogStore.open(config.decisionLog.path, { readonly: true });
  } catch (err) {
    store.close();
    throw err;
  }
  return {
    service: new ComplianceService(config, store, log),
    close() {
      log?.close();
      store.close();
    },
  };
}
