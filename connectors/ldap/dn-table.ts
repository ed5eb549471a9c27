/**
 * A string-keyed hash table (open addressing, linear probing, FNV-1a) for the DN index. A full
 * sync of a big directory looks up a member DN for every membership (a million of them); with
 * the hashes in one typed array a probe touches a key string only when its hash matches, which
 * makes a lookup about twice as fast as a `Map` once the applier's heap is large.
 */
export class DnTable<V> {
  private hashes: Int32Array;
  private keys: (string | undefined)[];
  private values: (V | undefined)[];
  private used = 0;
  private dead = 0;

  constructor(capacity = 1024) {
    const cap = 1 << Math.max(4, Math.ceil(Math.log2(capacity * 2)));
    this.hashes = new Int32Array(cap);
    this.keys = new Array<string | undefined>(cap);
    this.values = new Array<V | undefined>(cap);
  }

  get size(): number {
    return this.used;
  }

  get(key: string): V | undefined {
    const h = hash(key);
    const mask = this.hashes.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = this.hashes[i]!;
      if (x === EMPTY) return undefined;
      if (x === h && this.keys[i] === key) return this.values[i];
    }
  }

  set(key: string, value: V): void {
    if ((this.used + this.dead + 1) * 2 > this.hashes.length) this.grow();
    const h = hash(key);
    const mask = this.hashes.length - 1;
    let free = -1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = this.hashes[i]!;
      if (x === EMPTY) {
        if (free < 0) free = i;
        else this.dead--;
        this.hashes[free] = h;
        this.keys[free] = key;
        this.values[free] = value;
        this.used++;
        return;
      }
      if (x === DELETED) {
        if (free < 0) free = i;
      } else if (x === h && this.keys[i] === key) {
        this.values[i] = value;
        return;
      }
    }
  }

  delete(key: string): boolean {
    const h = hash(key);
    const mask = this.hashes.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = this.hashes[i]!;
      if (x === EMPTY) return false;
      if (x === h && this.keys[i] === key) {
        this.hashes[i] = DELETED;
        this.keys[i] = undefined;
        this.values[i] = undefined;
        this.used--;
        this.dead++;
        return true;
      }
    }
  }

  private grow(): void {
    const { hashes, keys, values } = this;
    const cap = this.used * 4 > hashes.length ? hashes.length * 2 : hashes.length;
    this.hashes = new Int32Array(cap);
    this.keys = new Array<string | undefined>(cap);
    this.values = new Array<V | undefined>(cap);
    this.used = 0;
    this.dead = 0;
    for (let i = 0; i < hashes.length; i++) {
      const x = hashes[i]!;
      if (x !== EMPTY && x !== DELETED) this.set(keys[i]!, values[i]!);
    }
  }
}

const EMPTY = 0;
const DELETED = 2; // even: real hashes are odd

/** FNV-1a over UTF-16 code units, forced odd so it never equals EMPTY or DELETED. */
function hash(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h | 1;
}
