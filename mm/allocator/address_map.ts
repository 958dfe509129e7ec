/**
 * A hash map from addresses (non-negative integers up to 2^53) to values,
 * for the allocator models' hot paths.
 *
 * JavaScript's `Map` boxes and hashes numbers above 2^30 slowly, and
 * simulated addresses are usually above 2^31. {@linkcode AddressIntMap} is an
 * open-addressing table with linear probing and backward-shift deletion
 * over a `Float64Array` of keys; {@linkcode AddressMap} puts any values
 * behind it.
 *
 * @module
 */

const EMPTY = -1;
/** What {@linkcode AddressIntMap.get} returns for a key it does not hold. */
export const ADDRESS_INT_MAP_MISSING: number = -0x8000_0000;

/** Scales an address so that its bits 35.. become the integer part. */
const HIGH_BITS = 2 ** -35;
/** Addresses below this have no bits above the low 35 (the usual case: one conversion). */
const TWO_35 = 2 ** 35;

/**
 * An address-keyed hash map to any values: an {@linkcode AddressIntMap} from
 * address to a slot of a dense value array.
 *
 * @example
 * ```ts
 * import { AddressMap } from "./address_map.ts";
 * const m = new AddressMap<string>();
 * m.set(0x8000_1000, "page");
 * console.log(m.get(0x8000_1000), m.has(0x8000_2000), m.size); // page false 1
 * ```
 */
export class AddressMap<V> {
  readonly #index: AddressIntMap;
  #values: (V | undefined)[] = [];
  #spare: number[] = [];

  /** Creates an empty map sized for about `expected` entries. */
  constructor(expected = 16) {
    this.#index = new AddressIntMap(expected);
  }

  /** The number of entries. */
  get size(): number {
    return this.#index.size;
  }

  /** The value at `key`, or `undefined`. */
  get(key: number): V | undefined {
    const slot = this.#index.get(key);
    return slot === ADDRESS_INT_MAP_MISSING ? undefined : this.#values[slot];
  }

  /** Whether `key` is present. */
  has(key: number): boolean {
    return this.#index.get(key) !== ADDRESS_INT_MAP_MISSING;
  }

  /** Sets `key` to `value`. */
  set(key: number, value: V): void {
    const fresh = this.#spare.pop() ?? this.#values.length;
    const slot = this.#index.getOrInsert(key, fresh);
    if (slot === ADDRESS_INT_MAP_MISSING) {
      this.#values[fresh] = value;
    } else {
      this.#values[slot] = value;
      this.#spare.push(fresh);
    }
  }

  /** Removes `key` and returns its value (`undefined` if absent). */
  take(key: number): V | undefined {
    const slot = this.#index.take(key);
    if (slot === ADDRESS_INT_MAP_MISSING) return undefined;
    const v = this.#values[slot];
    this.#values[slot] = undefined;
    this.#spare.push(slot);
    return v;
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: number): boolean {
    const had = this.has(key);
    if (had) this.take(key);
    return had;
  }

  /** Calls `fn` for every entry, in no particular order. */
  forEach(fn: (value: V, key: number) => void): void {
    this.#index.forEach((slot, key) => fn(this.#values[slot] as V, key));
  }

  /** Removes every entry. */
  clear(): void {
    this.#index.clear();
    this.#values = [];
    this.#spare = [];
  }
}

/**
 * An address-keyed map to 32-bit integers, kept in an `Int32Array` (no
 * boxing, one element kind): the allocator models' hot-path index.
 * `get` returns {@linkcode ADDRESS_INT_MAP_MISSING} for absent keys.
 *
 * @example
 * ```ts
 * import { ADDRESS_INT_MAP_MISSING, AddressIntMap } from "./address_map.ts";
 * const m = new AddressIntMap();
 * m.set(0x8000_0040, 3);
 * console.log(m.get(0x8000_0040), m.get(0x8000_0080) === ADDRESS_INT_MAP_MISSING); // 3 true
 * ```
 */
export class AddressIntMap {
  #keys: Float64Array;
  #values: Int32Array;
  #mask: number;
  #shift: number;
  #size = 0;

  /** Creates an empty map sized for about `expected` entries. */
  constructor(expected = 16) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.#keys = new Float64Array(cap).fill(EMPTY);
    this.#values = new Int32Array(cap);
    this.#mask = cap - 1;
    this.#shift = Math.clz32(cap) + 1;
  }

  /** The number of entries. */
  get size(): number {
    return this.#size;
  }

  /**
   * Fibonacci hashing of address bits 3..34 folded with bits 35..52 (two
   * float-to-integer conversions): blocks are 8-byte aligned, and keys
   * 32 GiB apart (the 2 GiB blocks of a heap over petabytes) must not pile
   * up in one probe run.
   */
  #slot(key: number): number {
    const low = (key * 0.125) >>> 0;
    const mixed = key < TWO_35 ? low : low ^ ((key * HIGH_BITS) >>> 0);
    return Math.imul(mixed, 0x9e3779b1) >>> this.#shift;
  }

  /** The value at `key`, or `ADDRESS_INT_MAP_MISSING`. */
  get(key: number): number {
    const keys = this.#keys;
    const mask = this.#mask;
    for (let i = this.#slot(key);; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) return this.#values[i];
      if (k === EMPTY) return ADDRESS_INT_MAP_MISSING;
    }
  }

  /** Sets `key` to the 32-bit integer `value`. */
  set(key: number, value: number): void {
    const keys = this.#keys;
    const mask = this.#mask;
    for (let i = this.#slot(key);; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) {
        this.#values[i] = value;
        return;
      }
      if (k === EMPTY) {
        keys[i] = key;
        this.#values[i] = value;
        if (++this.#size * 2 > mask) this.#resize();
        return;
      }
    }
  }

  /**
   * Returns the value at `key` if present; otherwise inserts `value` and
   * returns `ADDRESS_INT_MAP_MISSING` (one probe for both).
   */
  getOrInsert(key: number, value: number): number {
    const keys = this.#keys;
    const mask = this.#mask;
    for (let i = this.#slot(key);; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) return this.#values[i];
      if (k === EMPTY) {
        keys[i] = key;
        this.#values[i] = value;
        if (++this.#size * 2 > mask) this.#resize();
        return ADDRESS_INT_MAP_MISSING;
      }
    }
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: number): boolean {
    return this.take(key) !== ADDRESS_INT_MAP_MISSING;
  }

  /** Removes `key` and returns its value, or `ADDRESS_INT_MAP_MISSING`. */
  take(key: number): number {
    const keys = this.#keys;
    const values = this.#values;
    const mask = this.#mask;
    let i = this.#slot(key);
    for (;; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) break;
      if (k === EMPTY) return ADDRESS_INT_MAP_MISSING;
    }
    const taken = values[i];
    if (keys[(i + 1) & mask] === EMPTY) keys[i] = EMPTY; // the usual case: no run to close up
    else this.#closeGap(i);
    this.#size--;
    return taken;
  }

  /** Empties slot `hole` and shifts the probe run after it back (backward-shift deletion). */
  #closeGap(hole: number): void {
    const keys = this.#keys;
    const values = this.#values;
    const mask = this.#mask;
    for (let j = (hole + 1) & mask;; j = (j + 1) & mask) {
      const k = keys[j];
      if (k === EMPTY) break;
      const home = this.#slot(k);
      if (hole <= j ? (home <= hole || home > j) : (home <= hole && home > j)) {
        keys[hole] = k;
        values[hole] = values[j];
        hole = j;
      }
    }
    keys[hole] = EMPTY;
  }

  /** Calls `fn` for every entry, in no particular order. */
  forEach(fn: (value: number, key: number) => void): void {
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) fn(this.#values[i], keys[i]);
  }

  /** Removes every entry. */
  clear(): void {
    this.#keys.fill(EMPTY);
    this.#size = 0;
  }

  #resize(): void {
    const oldKeys = this.#keys;
    const oldValues = this.#values;
    const cap = oldKeys.length * 2;
    this.#keys = new Float64Array(cap).fill(EMPTY);
    this.#values = new Int32Array(cap);
    this.#mask = cap - 1;
    this.#shift = Math.clz32(cap) + 1;
    this.#size = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] !== EMPTY) this.set(oldKeys[i], oldValues[i]);
    }
  }
}
