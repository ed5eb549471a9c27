import type { DecisionRequest } from '../model/decision.js';
import type { DecisionIndex } from './decision-index.js';
import type { SubjectLookup } from './subject-index.js';
import { normalizeIdentifier } from '../resolve/normalize-identifier.js';
import type { IdentifierKind } from '../model/identifier.js';

/**
 * Subject binding with the scoping the request asks for: an issuer binds only through that
 * issuer's `sub`; a kind binds only through identifiers of that kind (`principal`: a principal
 * id); neither binds through any identifier, ambiguity denied.
 */
export function lookupSubject(index: DecisionIndex, subject: DecisionRequest['subject']): SubjectLookup {
  if (subject.issuer !== undefined) return index.subjects.lookupSub(subject.issuer, subject.id);
  if (subject.kind === 'principal') return index.principals.has(subject.id) ? { principalId: subject.id } : null;
  const found = index.subjects.lookup(subject.id);
  if (subject.kind === undefined || found === null) return found;
  const kind = subject.kind as IdentifierKind;
  const value = normalizeIdentifier(kind, subject.id);
  const owners = ('ambiguous' in found ? found.ambiguous : [found.principalId]).filter((pid) =>
    index.principals.get(pid)?.identifiers.some((i) => i.kind === kind && i.value === value),
  );
  if (owners.length === 0) return null;
  return owners.length === 1 ? { principalId: owners[0]! } : { ambiguous: owners };
}
