import type { DecisionRecord } from '../model/decision-record.js';

/** The stored form of a decision record: JSON with a fixed key order, so its hash is reproducible. */
export function recordJson(r: DecisionRecord): string {
  const d = r.decision;
  const q = r.request;
  return JSON.stringify({
    decisionId: r.decisionId,
    at: r.at,
    subject: { id: q.subject.id, issuer: q.subject.issuer ?? null, kind: q.subject.kind ?? null },
    route: q.route,
    method: q.method ?? null,
    action: q.action ?? null,
    resource: q.resource ?? null,
    context: q.context ?? null,
    decision: d.decision,
    reason: d.reason,
    principal: d.principal ?? null,
    roles: d.roles,
    authorizedBy: d.authorizedBy ?? null,
    roleStateVersion: d.roleStateVersion,
    policyVersion: d.policyVersion,
    staleness_s: d.staleness_s ?? null,
    settingsVersion: r.settingsVersion ?? null,
  });
}
