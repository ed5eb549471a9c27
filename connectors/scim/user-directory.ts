import type { SourceView } from '../connector.js';
import { ScimError } from './scim-error.js';
import type { JsonObject } from './json.js';
import { StoredUsers } from './user-mapping.js';

/**
 * Reads of the committed users: by id, by userName (case-insensitive index) and in a stable order
 * (ids are UUIDv7, so id order is creation order). The index is refreshed after each write this
 * receiver commits and rebuilt whenever it disagrees with the view. It also holds userName claims
 * of writes in flight, so two concurrent creates of one userName cannot both pass the 409 check.
 */
export class UserDirectory {
  private readonly stored = new StoredUsers();
  private readonly byName = new Map<string, string>();
  private readonly nameOf = new Map<string, string>();
  private readonly claims = new Map<string, string>();
  /** Every account id of the view at the last rebuild, kept in step by refresh(). */
  private readonly known = new Set<string>();
  private sorted: string[] | null = null;

  constructor(private readonly view: () => SourceView) {}

  get(id: string): JsonObject | undefined {
    const account = this.view().accounts.get(id);
    return account ? this.stored.resourceOf(account) : undefined;
  }

  /** The id of the committed user with this userName (case-insensitive). */
  findByUserName(userName: string): string | undefined {
    this.ensureFresh();
    const id = this.byName.get(userName.toLowerCase());
    if (id === undefined) return undefined;
    const r = this.get(id);
    if (typeof r?.userName === 'string' && r.userName.toLowerCase() === userName.toLowerCase()) return id;
    this.rebuild();
    return this.byName.get(userName.toLowerCase());
  }

  /** All user ids in creation order. */
  ids(): readonly string[] {
    this.ensureFresh();
    this.sorted ??= [...this.nameOf.keys()].sort();
    return this.sorted;
  }

  /**
   * Claims `userName` for `id` until the returned release is called: 409 uniqueness when another
   * user holds it (committed or in flight).
   */
  claim(userName: string, id: string): () => void {
    const key = userName.toLowerCase();
    const holder = this.findByUserName(userName) ?? this.claims.get(key);
    const claimed = this.claims.get(key);
    if ((holder !== undefined && holder !== id) || (claimed !== undefined && claimed !== id)) {
      throw new ScimError(409, 'uniqueness', `userName "${userName}" is already taken`);
    }
    if (claimed !== undefined) return () => undefined;
    this.claims.set(key, id);
    return () => {
      if (this.claims.get(key) === id) this.claims.delete(key);
    };
  }

  /** Re-reads one user from the view after a write (committed or not). */
  refresh(id: string): void {
    const old = this.nameOf.get(id);
    if (old !== undefined && this.byName.get(old) === id) this.byName.delete(old);
    if (this.view().accounts.has(id)) this.known.add(id);
    else this.known.delete(id);
    const r = this.get(id);
    if (typeof r?.userName === 'string') {
      const name = r.userName.toLowerCase();
      this.nameOf.set(id, name);
      this.byName.set(name, id);
      if (old === undefined) this.sorted = null;
    } else if (old !== undefined) {
      this.nameOf.delete(id);
      this.sorted = null;
    }
  }

  rebuild(): void {
    this.byName.clear();
    this.nameOf.clear();
    this.known.clear();
    this.sorted = null;
    for (const [id, account] of this.view().accounts) {
      this.known.add(id);
      const r = this.stored.resourceOf(account);
      if (typeof r?.userName !== 'string') continue;
      const name = r.userName.toLowerCase();
      this.nameOf.set(id, name);
      this.byName.set(name, id);
    }
  }

  private ensureFresh(): void {
    if (this.view().accounts.size !== this.known.size) this.rebuild();
  }
}
