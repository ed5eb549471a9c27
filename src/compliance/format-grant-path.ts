import type { GrantPath } from '../model/grant-path.js';

/** `ldap: engineers -> staff`, `hr: department=Marketing`, `config: alice@example.com`. */
export function formatGrantPath(path: GrantPath): string {
  switch (path.via) {
    case 'group':
      return `${path.source}: ${path.groups.join(' -> ')}`;
    case 'attribute':
      return `${path.source}: ${path.condition}`;
    case 'static':
      return `config: ${path.identifier}`;
  }
}
