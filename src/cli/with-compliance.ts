import { existsSync } from 'node:fs';
import { ComplianceService } from '../compliance/compliance-service.js';
import { loadRosterConfig } from '../daemon.js';
import { DecisionLogStore } from '../store/decision-log-store.js';
import { SqliteRoleStore } from '../store/sqlite-role-store.js';

/** Runs one compliance command on read-only handles of the store and (if present) the decision log. */
export function withCompliance<T>(configFile: string, command: (service: ComplianceService) => T): T {
  const config = loadRosterConfig(configFile);
  const store = SqliteRoleStore.openReadonly(config.store.path);
  let log: DecisionLogStore | null = null;
  try {
    if (existsSync(config.decisionLog.path)) log = DecisionLogStore.open(config.decisionLog.path, { readonly: true });
    return command(new ComplianceService(config, store, log));
  } finally {
    log?.close();
    store.close();
  }
}
