/**
 * Whether two JSON-like values (plain objects, arrays, strings, numbers, booleans, null) are
 * equal, decided without serializing them: a full snapshot compares every account with its
 * cached value, and building each one's JSON only to find it unchanged was most of what an
 * unchanged 100k-user snapshot allocated. Key order is not compared; callers compare values that
 * come from one canonical form (normalize-account.ts, or its JSON parsed back), where equal
 * values also serialize to equal JSON.
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
    keys++;
    if (!Object.hasOwn(y, k) || !sameJson(x[k], y[k])) return false;
  }
  for (const k in y) if (Object.hasOwn(y, k)) keys--;
  return keys === 0;
}

/**
 * Whether a normalized value is the row held already: sameJson, or, for the rare pair it tells
 * apart (a key holding undefined, which JSON leaves out), their JSON. Rows are stored as plain
 * JSON of normalized values, so equal JSON is an unchanged row.
 */
export const sameRow = (held: unknown, value: unknown): boolean => sameJson(held, value) || JSON.stringify(held) === JSON.stringify(value);
