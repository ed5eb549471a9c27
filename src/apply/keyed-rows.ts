import type { Rows } from '../model/change-set.js';

/** A place in KeyedRows holding what rows are made from, instead of the rows. */
class Later<K> {
  constructor(readonly key: K) {}
}

/**
 * Rows in the order they were added, each either made already or held as a key (e.g. a new
 * principal) that `make` turns into its rows when they are read. A diff keeps a key where the
 * rows are a plain rendering of data nobody changes (a new principal's JSON, aliases and
 * grants), so those rows exist only while the store writes them; every read makes them anew.
 */
export class KeyedRows<T extends object, K> implements Rows<T> {
  private readonly items: (T | Later<K>)[] = [];
  private count = 0;

  constructor(private readonly make: (key: K) => Iterable<T>) {}

  get length(): number {
    return this.count;
  }

  push(row: T): void {
    this.items.push(row);
    this.count++;
  }

  /** The rows `key` makes when read: exactly `rows` of them. */
  pushKey(key: K, rows: number): void {
    if (rows === 0) return;
    this.items.push(new Later(key));
    this.count += rows;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (const item of this.items) {
      if (item instanceof Later) yield* this.make(item.key);
      else yield item;
    }
  }
}
