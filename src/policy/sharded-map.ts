/** Shards per map: each holds ~1/256 of the keys, so no single insert ever rehashes a big table. */
export const SHARDS = 256;

/** FNV-1a over the key's UTF-16 code units, folded to a shard number. */
function shardOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 16)) & (SHARDS - 1);
}

/**
 * A string-keyed map split into fixed shards, with copy-on-write clones. Two reasons, both about
 * the decision index of 100k principals staying responsive while it changes:
 * - A single Map of 300k keys rehashes its whole table when it grows past a power of two
 *   (measured 25–90 ms, GC included) — a stall for every request queued behind it. A shard
 *   rehashes 1/256 of that.
 * - `clone()` is O(shards): the copy a large role-state version is applied to shares every shard
 *   with the index that keeps answering, and copies a shard only when it first writes to it.
 */
export class ShardedMap<V> {
  private readonly shards: Map<string, V>[];
  /** Shards this instance created or copied, and so may write; others are shared with a clone. */
  private readonly owned: boolean[];
  private count: number;

  constructor(from?: ShardedMap<V>) {
    this.shards = from ? from.shards.slice() : Array.from({ length: SHARDS }, () => new Map<string, V>());
    this.owned = new Array<boolean>(SHARDS).fill(!from);
    this.count = from?.count ?? 0;
  }

  /** A copy sharing every shard; from now on neither side writes a shared shard in place. */
  clone(): ShardedMap<V> {
    this.owned.fill(false);
    return new ShardedMap(this);
  }

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    return this.shards[shardOf(key)]!.get(key);
  }

  has(key: string): boolean {
    return this.shards[shardOf(key)]!.has(key);
  }

  set(key: string, value: V): this {
    const shard = this.writable(shardOf(key));
    const before = shard.size;
    shard.set(key, value);
    this.count += shard.size - before;
    return this;
  }

  delete(key: string): boolean {
    const i = shardOf(key);
    if (!this.shards[i]!.has(key)) return false;
    this.writable(i).delete(key);
    this.count--;
    return true;
  }

  *values(): IterableIterator<V> {
    for (const shard of this.shards) yield* shard.values();
  }

  *[Symbol.iterator](): IterableIterator<[string, V]> {
    for (const shard of this.shards) yield* shard;
  }

  /**
   * Copies shard `i` now if it is shared, so later writes to it cost nothing extra. A writer
   * about to change most shards calls this shard by shard between requests: copying 256 shards
   * of a 300k-key map on first write, a few dozen per step, stalled for tens of ms.
   */
  own(i: number): void {
    this.writable(i);
  }

  private writable(i: number): Map<string, V> {
    if (this.owned[i]) return this.shards[i]!;
    const copy = new Map(this.shards[i]!);
    this.shards[i] = copy;
    this.owned[i] = true;
    return copy;
  }
}
