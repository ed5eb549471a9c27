/**
 * Whether two JSON-like values (plain objects, arrays, strings, numbers, booleans, null) have
 * the same JSON, decided without serializing them: a full snapshot compares every account with
 * its held value, and building each one's JSON only to find it unchanged was most of what an
 * unchanged 100k-user snapshot allocated. As in JSON, a key holding undefined is no key. Key
 * order is not compared; callers compare values that come from one canonical form
 * (normalize-account.ts, or its JSON parsed back), where equal values serialize to equal JSON.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  // Counted with for-in, not Object.keys: no array per object compared.
  let keys = 0;
  for (const k in x) {
    const v = x[k];
    if (v === undefined) continue;
    keys++;
    if (!Object.hasOwn(y, k) || !sameJson(v, y[k])) return false;
  }
  for (const k in y) if (Object.hasOwn(y, k) && y[k] !== undefined) keys--;
  return keys === 0;
}
