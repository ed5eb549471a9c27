import { parsePolicy } from '../config/load-policy.js';
import { RosterError } from '../errors/roster-error.js';
import type { CompiledPolicy } from '../policy/compiled-policy.js';
import { EMPTY_POLICY } from '../policy/empty-policy.js';
import type { PolicyVersions } from '../store/policy-versions.js';

/** A stored policy version compiled against the configured roles; the empty policy has no row. */
export function compiledPolicyByHash(policies: PolicyVersions, hash: string, roles: ReadonlySet<string>): CompiledPolicy {
  if (hash === EMPTY_POLICY.hash) return EMPTY_POLICY;
  const pv = policies.byHash(hash);
  if (!pv) throw new RosterError('ROSTER_ERR_POLICY_VERSION_UNKNOWN', { at: hash });
  return parsePolicy(pv.text, `policy ${pv.hash}`, roles).policy;
}

/** The policy version in force at `time` (ms); none recorded yet means nothing was allowed. */
export function compiledPolicyAt(policies: PolicyVersions, time: number, roles: ReadonlySet<string>): CompiledPolicy {
  const pv = policies.at(time);
  // None yet, or the empty policy recorded for a configuration without one: nothing is allowed.
  return pv && pv.hash !== EMPTY_POLICY.hash ? parsePolicy(pv.text, `policy ${pv.hash}`, roles).policy : EMPTY_POLICY;
}
