import { csvLine } from '../audit/csv-line.js';
import type { AccessReview } from './access-review.js';
import { formatGrantPath } from './format-grant-path.js';
import type { Timeline } from './timeline.js';
import type { WhoCouldResult } from './who-could.js';

const iso = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString());

/** CSV for reviewers' spreadsheets: one row per principal or event, grant paths as text. */
export const reportCsv = {
  whoCould: (r: WhoCouldResult): string =>
    csvLine(['principal', 'display_name', 'role', 'route', 'rule', 'grant_path', 'role_state_version', 'policy_version']) +
    r.principals.map((p) => csvLine([p.principalId, p.displayName, p.role, p.route, p.rule, formatGrantPath(p.path), String(r.roleStateVersion), r.policyVersion])).join(''),
  timeline: (t: Timeline): string =>
    csvLine(['at', 'version', 'principal', 'role', 'change', 'source', 'trigger', 'grant_path']) +
    t.events.map((e) => csvLine([iso(e.at), String(e.version), e.principalId, e.role, e.change, e.source ?? '', e.trigger ?? '', formatGrantPath(e.path)])).join(''),
  accessReview: (a: AccessReview): string =>
    csvLine(['principal', 'display_name', 'status', 'role', 'since', 'since_version', 'grant_path', 'last_decision_at']) +
    a.holders.map((h) => csvLine([h.principalId, h.displayName, h.status, a.role, iso(h.since), String(h.sinceVersion), formatGrantPath(h.path), iso(h.lastDecisionAt)])).join(''),
};
