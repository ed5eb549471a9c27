import { IDENTIFIER_KINDS, type IdentifierKind } from '../model/identifier.js';
import { describeCondition } from './attribute-matches.js';
import { normalizeIdentifier } from './normalize-identifier.js';
import type { AttributeCondition, ResolveRules } from './resolve-rules.js';
import { roleEntries, type RoleIndex } from './role-index.js';
import type { SourceState } from './source-state.js';

export interface AttributeEntry {
  readonly role: string;
  readonly entry: number;
  readonly cond: AttributeCondition;
  readonly condition: string;
}

export interface StaticEntry {
  readonly role: string;
  readonly entry: number;
  readonly identifier: string;
}

/** Everything needed to compute one principal's grants, precomputed once per rules/groups. */
export interface GrantContext {
  readonly sources: ReadonlyMap<string, SourceState>;
  readonly roleIndex: RoleIndex;
  readonly attributeEntries: readonly AttributeEntry[];
  /** `kind:normalizedValue` -> static assignments naming it. */
  readonly staticIndex: ReadonlyMap<string, readonly StaticEntry[]>;
}

export function buildGrantContext(sources: ReadonlyMap<string, SourceState>, rules: ResolveRules, roleIndex: RoleIndex): GrantContext {
  const attributeEntries: AttributeEntry[] = [];
  const staticIndex = new Map<string, StaticEntry[]>();
  const addStatic = (key: string, e: StaticEntry): void => {
    const list = staticIndex.get(key);
    if (list) list.push(e);
    else staticIndex.set(key, [e]);
  };
  for (const role of rules.roles) {
    roleEntries(role, rules).forEach((src, entry) => {
      if ('attribute' in src) {
        attributeEntries.push({ role: role.name, entry, cond: src.attribute, condition: describeCondition(src.attribute) });
      } else if ('principals' in src) {
        for (const identifier of src.principals) {
          const colon = identifier.indexOf(':');
          const prefix = colon > 0 ? identifier.slice(0, colon) : '';
          if ((IDENTIFIER_KINDS as readonly string[]).includes(prefix)) {
            const kind = prefix as IdentifierKind;
            addStatic(`${kind}:${normalizeIdentifier(kind, identifier.slice(colon + 1))}`, { role: role.name, entry, identifier });
          } else {
            // A bare value names the identifier of any kind (normalized per kind).
            const keys = new Set(IDENTIFIER_KINDS.map((kind) => `${kind}:${normalizeIdentifier(kind, identifier)}`));
            for (const key of keys) addStatic(key, { role: role.name, entry, identifier });
          }
        }
      }
    });
  }
  return { sources, roleIndex, attributeEntries, staticIndex };
}
