import type { Entry } from 'ldapts';

type Value = string | Buffer;
type Raw = Value | Value[];

/** Lower-cased attribute names, cached: a sync sees the same few names on every entry. */
const LOWER = new Map<string, string>();
const lower = (name: string): string => {
  let l = LOWER.get(name);
  if (l === undefined) {
    l = name.toLowerCase();
    if (LOWER.size < 10_000) LOWER.set(name, l);
  }
  return l;
};
/** lower-cased name -> the spelling servers last answered with (`entryuuid` -> `entryUUID`). */
const SPELLING = new Map<string, string>();

const toString = (v: Value): string => (typeof v === 'string' ? v : v.toString('utf8'));

/**
 * One search result entry with attribute names compared case-insensitively (servers answer
 * `entryUUID` when asked for `entryuuid`, and AD answers `member;range=0-1499` for `member`).
 * A thin view over ldapts' entry object: nothing is copied per entry (a full sync reads
 * hundreds of thousands of them).
 */
export class EntryView {
  readonly dn: string;

  constructor(private readonly entry: Entry) {
    this.dn = entry.dn;
  }

  private raw(name: string): Raw | undefined {
    const l = lower(name);
    const known = SPELLING.get(l);
    let v: Raw | undefined = known !== undefined ? (this.entry[known] as Raw | undefined) : undefined;
    if (v === undefined || (Array.isArray(v) && v.length === 0)) {
      v = undefined;
      for (const key of Object.keys(this.entry)) {
        if (key === 'dn' || lower(key) !== l) continue;
        const candidate = this.entry[key] as Raw;
        if (Array.isArray(candidate) && candidate.length === 0) continue;
        SPELLING.set(l, key);
        v = candidate;
        break;
      }
    }
    return v;
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  /** All values as strings (binary values decoded as UTF-8). */
  strings(name: string): string[] {
    const v = this.raw(name);
    if (v === undefined) return [];
    if (!Array.isArray(v)) return [toString(v)];
    return typeof v[0] === 'string' ? (v as string[]) : v.map(toString);
  }

  first(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    return toString(Array.isArray(v) ? v[0]! : v);
  }

  buffer(name: string): Buffer | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const one = Array.isArray(v) ? v[0]! : v;
    return typeof one === 'string' ? Buffer.from(one, 'utf8') : one;
  }

  /** Ranged values of `attr` in this entry (`attr;range=0-1499`), if the server sent a range. */
  range(attr: string): { readonly values: string[]; readonly start: number; readonly end: number | null } | null {
    const prefix = lower(attr) + ';range=';
    for (const key of Object.keys(this.entry)) {
      const l = key.toLowerCase();
      if (!l.startsWith(prefix)) continue;
      const m = /^(\d+)-(\d+|\*)$/.exec(l.slice(prefix.length));
      const v = this.entry[key] as Raw;
      if (!m || (Array.isArray(v) && v.length === 0)) continue;
      return { values: Array.isArray(v) ? v.map(toString) : [toString(v)], start: Number(m[1]), end: m[2] === '*' ? null : Number(m[2]) };
    }
    return null;
  }
}

/** The standard string form of a binary GUID (objectGUID, invocationId): first three fields little-endian. */
export function formatGuid(b: Buffer): string {
  if (b.length !== 16) return b.toString('hex');
  const h = b.toString('hex');
  const rev = (s: string): string => s.match(/../g)!.reverse().join('');
  return `${rev(h.slice(0, 8))}-${rev(h.slice(8, 12))}-${rev(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20)}`;
}
