import type { DecisionRequest } from '../model/decision.js';
import type { IdentifierKind } from '../model/identifier.js';
import { normalizeIdentifier } from '../resolve/normalize-identifier.js';
import type { DecisionIndex, SubjectEntry } from './decision-index.js';
import { entryAt } from './staged-entries.js';
import { AmbiguousSubject, type SubjectLookup } from './subject-index.js';

/**
 * Subject binding with the scoping the request asks for: an issuer binds only through that
 * issuer's `sub`; a kind binds only through identifiers of that kind (`principal`: a principal
 * id); neither binds through any identifier, ambiguity denied. The entry found is the one at the
 * index's version (entryAt).
 */
export function lookupSubject(index: DecisionIndex, subject: DecisionRequest['subject']): SubjectLookup<SubjectEntry> {
  const found = bind(index, subject);
  return found === null || found instanceof AmbiguousSubject ? found : entryAt(index, found);
}

function bind(index: DecisionIndex, subject: DecisionRequest['subject']): SubjectLookup<SubjectEntry> {
  if (subject.issuer !== undefined) return index.subjects.lookupSub(subject.issuer, subject.id);
  if (subject.kind === undefined) return index.subjects.lookup(subject.id);
  if (subject.kind === 'principal') return index.principals.get(subject.id) ?? null;
  const found = index.subjects.lookup(subject.id);
  if (found === null) return null;
  const kind = subject.kind as IdentifierKind;
  const value = normalizeIdentifier(kind, subject.id);
  const owners = (found instanceof AmbiguousSubject ? found.owners : [found.principalId])
    .map((pid) => {
      const held = index.principals.get(pid);
      return held && entryAt(index, held); // a staged entry may carry other kinds
    })
    .filter((e): e is SubjectEntry => e !== undefined && e.identifierValues.some((v, i) => v === value && e.identifierKinds[i] === kind));
  if (owners.length === 0) return null;
  return owners.length === 1 ? owners[0]! : new AmbiguousSubject(owners.map((e) => e.principalId));
}
