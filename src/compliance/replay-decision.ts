import type { StoredRecord } from '../audit/stored-record.js';
import type { Decision, DecisionRequest } from '../model/decision.js';
import type { DecisionSettings } from '../model/decision-settings.js';
import type { GrantPath } from '../model/grant-path.js';
import type { Principal } from '../model/principal.js';
import { decide } from '../policy/decide.js';
import { buildDecisionIndex } from '../policy/decision-index.js';
import { RosterError } from '../errors/roster-error.js';
import type { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { compiledPolicyByHash } from './policy-in-force.js';

export interface ReplayOutcome {
  readonly decision: string;
  readonly reason: string;
  readonly principal: string | null;
  readonly roles: readonly string[];
  readonly authorizedBy: { readonly role: string; readonly policy: string; readonly rule: string } | null;
}

export interface ReplayResult {
  readonly decisionId: string;
  readonly matches: boolean;
  readonly roleStateVersion: number;
  readonly policyVersion: string;
  readonly recorded: ReplayOutcome;
  readonly replayed: ReplayOutcome;
  /** Fields that differ (empty when it matches). */
  readonly differences: readonly string[];
}

/**
 * Re-evaluates a recorded decision against the role-state version and the policy version it
 * names. Only the principals that could bind to the subject at that version are loaded (every
 * owner of every key the subject can match, so ambiguity replays too). Freshness is rebuilt
 * from the record: the subject's sources are taken to be as old as the recorded staleness.
 * `settings` are the decision settings in force at the record's time.
 */
export function replayDecision(store: SqliteRoleStore, record: StoredRecord, settings: DecisionSettings): ReplayResult {
  const recorded = outcomeOf(record);
  const replayed = outcomeOf(reevaluate(store, record, settings));
  const differences = (Object.keys(recorded) as (keyof ReplayOutcome)[]).filter((k) => JSON.stringify(recorded[k]) !== JSON.stringify(replayed[k]));
  return { decisionId: record.decisionId, matches: differences.length === 0, roleStateVersion: record.roleStateVersion, policyVersion: record.policyVersion, recorded, replayed, differences };
}

function reevaluate(store: SqliteRoleStore, r: StoredRecord, settings: DecisionSettings): Decision | ReplayOutcome {
  // The responder had no role state yet: it denied before looking at anything.
  if (r.reason === 'no_role_state' && r.roleStateVersion === 0 && r.policyVersion === '') return { decision: 'deny', reason: 'no_role_state', principal: null, roles: [], authorizedBy: null };
  const v = r.roleStateVersion;
  // Compaction removed the history it would need: refused, as every query before the floor is.
  const floor = store.compliance.retentionFloor();
  if (floor && v < floor.floorVersion) throw new RosterError('ROSTER_ERR_BEFORE_RETENTION', { at: `@${v} (decision ${r.decisionId})`, floor: new Date(floor.floorTime).toISOString() });
  const policy = compiledPolicyByHash(store.policies, r.policyVersion, new Set(settings.ranks.keys()));
  const subject = { id: r.subject.id, ...(r.subject.issuer !== null ? { issuer: r.subject.issuer } : {}), ...(r.subject.kind ? { kind: r.subject.kind } : {}) };
  const ids = new Set(store.compliance.principalsNamedAt(subject.id, subject.issuer, v));
  if (subject.kind === 'principal' && store.history.principalData(subject.id, v) !== null) ids.add(subject.id);
  const principals = new Map<string, Principal>();
  const grants = new Map<string, Map<string, GrantPath>>();
  for (const id of ids) {
    const data = store.history.principalData(id, v);
    if (data === null) continue;
    principals.set(id, JSON.parse(data) as Principal);
    grants.set(id, new Map(store.history.rolesAt(id, v).map((g) => [g.role, g.path])));
  }
  const index = buildDecisionIndex({ principals, grants, principalOfAccount: new Map(), conflicts: [] }, v, policy, settings.ranks);
  // staleness_s is whole seconds, rounded down: the age was somewhere in that second. A limit
  // inside the second fits either outcome, so take the end of it that the recorded reason names;
  // a limit outside it decides the same at both ends, and a record that contradicts it differs.
  const age = (r.staleness_s ?? 0) * 1000 + (r.reason === 'stale_snapshot' ? 999 : 0);
  const freshness = new Map([...settings.maxStaleness].map(([source, max]) => [source, { lastSuccessAt: r.at - age, maxStalenessMs: max }]));
  const request: DecisionRequest = {
    subject,
    route: r.route,
    ...(r.method !== null ? { method: r.method } : {}),
    ...(r.action !== null ? { action: r.action } : {}),
    ...(r.resource !== null ? { resource: r.resource } : {}),
    ...(r.context !== null ? { context: r.context } : {}),
  };
  return decide(index, request, r.at, freshness);
}

function outcomeOf(d: Decision | ReplayOutcome | StoredRecord): ReplayOutcome {
  return { decision: d.decision, reason: d.reason, principal: d.principal ?? null, roles: [...d.roles], authorizedBy: d.authorizedBy ?? null };
}
