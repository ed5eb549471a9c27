import { existsSync } from 'node:fs';
import { ComplianceService } from '../compliance/compliance-service.js';
import { loadRosterConfig } from '../daemon.js';
import { DecisionLogStore } from '../store/decision-log-store.js';
import { SqliteRoleStore } from '../store/sqlite-role-store.js';

/**
 * Runs one compliance command on read-only handles of the store and (if present) the decision
 * log; they are closed when it returns, or when the promise it returns settles.
 */
export function withCompliance<T>(configFile: string, command: (service: ComplianceService) => T): T {
  const config = loadRosterConfig(configFile);
  const store = SqliteRoleStore.openReadonly(config.store.path);
  let log: DecisionLogStore | null = null;
  const close = (): void => {
    log?.close();
    store.close();
  };
  let result: T;
  try {
    if (existsSync(config.decisionLog.path)) log = DecisionLogStore.open(config.decisionLog.path, { readonly: true });
    result = command(new ComplianceService(config, store, log));
  } catch (err) {
    close();
    throw err;
  }
  if (result instanceof Promise) return result.finally(close) as T;
  close();
  return result;
}
