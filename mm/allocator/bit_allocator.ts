/**
 * A model of `bitmap_allocator::BitAllocCascade16` (rcore-os
 * bitmap-allocator 0.2.1): a bitmap of `capacity` bits, 1 meaning free,
 * with the crate's lowest-first search rules.
 *
 * The real crate is a 16-ary tree of `u16` words that finds contiguous runs
 * bit by bit. This model keeps flat 32-bit words plus a summary bit per word
 * and searches a word at a time; it returns the same indices.
 *
 * Storage covers only the bits up to the highest one ever inserted, so a
 * large capacity costs nothing until used.
 *
 * @module
 */

/** The capacities of the crate's `BitAlloc*` types, by name. */
export const BIT_ALLOC_CAPACITIES: Readonly<Record<string, number>> = {
  "BitAlloc16": 16,
  "BitAlloc256": 256,
  "BitAlloc4K": 4096,
  "BitAlloc64K": 65536,
  "BitAlloc1M": 1 << 20,
  "BitAlloc16M": 1 << 24,
  "BitAlloc256M": 1 << 28,
};

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * The bit allocator. Indices are plain numbers below `capacity`.
 *
 * @example
 * ```ts
 * import { BitAllocator } from "./bit_allocator.ts";
 * const bits = new BitAllocator(4096);
 * bits.insert(0, 4096);
 * bits.remove(3, 6);
 * console.log(bits.alloc(), bits.allocContiguous(2, 0), bits.allocContiguous(2, 3)); // 0 1 8
 * ```
 */
export class BitAllocator {
  /** The number of bits (`CAP`). */
  readonly capacity: number;
  #words = new Uint32Array(0);
  /** One bit per word: set when the word has a free bit. */
  #summary = new Uint32Array(0);
  #free = 0;

  /** Creates an empty bitmap (no bit free) of `capacity` bits. */
  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** The number of free bits. */
  get freeCount(): number {
    return this.#free;
  }

  /** Whether no bit is free (`is_empty`). */
  isEmpty(): boolean {
    return this.#free === 0;
  }

  /** Whether bit `key` is free (`test`). */
  test(key: number): boolean {
    const w = key >>> 5;
    return w < this.#words.length && (this.#words[w] & (1 << (key & 31))) !== 0;
  }

  /** Marks `[start, end)` free (`insert`). */
  insert(start: number, end: number): void {
    this.#ensure(end);
    this.#setRange(start, end, true);
  }

  /** Marks `[start, end)` used (`remove`). */
  remove(start: number, end: number): void {
    this.#setRange(start, Math.min(end, this.#words.length * 32), false);
  }

  /** The lowest free bit at or above `key` (`next`), or -1. */
  next(key: number): number {
    const words = this.#words;
    let w = key >>> 5;
    if (w >= words.length) return -1;
    const first = words[w] & (~0 << (key & 31));
    if (first !== 0) return (w << 5) + ctz32(first);
    w = this.#nextNonEmptyWord(w + 1);
    return w < 0 ? -1 : (w << 5) + ctz32(words[w]);
  }

  /** The lowest used bit at or above `key`; `capacity` when there is none. */
  nextUsed(key: number): number {
    const words = this.#words;
    let w = key >>> 5;
    if (w >= words.length) return Math.max(key, words.length * 32);
    let used = ~words[w] & (~0 << (key & 31));
    while (used === 0) {
      w++;
      if (w >= words.length) return words.length * 32;
      used = ~words[w];
    }
    return (w << 5) + ctz32(used);
  }

  /** Takes the lowest free bit (`alloc`), or returns -1. */
  alloc(): number {
    const i = this.next(0);
    if (i >= 0) this.#setRange(i, i + 1, false);
    return i;
  }

  /**
   * `alloc_contiguous(None, size, align_log2)`: takes the lowest run of
   * `size` free bits starting at a multiple of `2^alignLog2`; -1 if none.
   */
  allocContiguous(size: number, alignLog2: number): number {
    const base = this.findContiguous(size, alignLog2);
    if (base >= 0) this.#setRange(base, base + size, false);
    return base;
  }

  /**
   * `alloc_contiguous(Some(base), size, align_log2)`: takes exactly
   * `[base, base + size)` if all free and `base` aligned; false otherwise.
   */
  allocContiguousAt(base: number, size: number, alignLog2: number): boolean {
    if (!this.checkContiguous(base, size, alignLog2)) return false;
    this.#setRange(base, base + size, false);
    return true;
  }

  /** `find_contiguous`: where `allocContiguous` would allocate, or -1. */
  findContiguous(size: number, alignLog2: number): number {
    const cap = this.capacity;
    const align = 2 ** alignLog2;
    if (cap < align || this.#free === 0) return -1;
    let free = this.next(0);
    while (free >= 0) {
      const base = Math.ceil(free / align) * align;
      if (base >= cap) return -1;
      const end = base + size;
      if (end > cap) return -1;
      const used = this.nextUsed(base);
      if (used >= end) {
        // `size == 0` never succeeds in the crate: it scans to the end.
        return size === 0 ? -1 : base;
      }
      free = this.next(used);
    }
    return -1;
  }

  /** `check_contiguous`: whether `[base, base + size)` is free and aligned. */
  checkContiguous(base: number, size: number, alignLog2: number): boolean {
    const align = 2 ** alignLog2;
    if (this.capacity < align || this.#free === 0) return false;
    if (base % align !== 0 || size === 0) return false;
    if (base + size > this.capacity) return false;
    return this.nextUsed(base) >= base + size;
  }

  /** Whether every bit of `[base, base + size)` is used. */
  allUsed(base: number, size: number): boolean {
    const i = this.next(base);
    return i < 0 || i >= base + size;
  }

  /** Marks `[base, base + size)` free; the caller checks they were used. */
  free(base: number, size: number): void {
    this.insert(base, base + size);
  }

  #ensure(end: number): void {
    const need = (end + 31) >>> 5;
    if (need <= this.#words.length) return;
    const words = new Uint32Array(need);
    words.set(this.#words);
    this.#words = words;
    const summary = new Uint32Array((need + 31) >>> 5);
    summary.set(this.#summary);
    this.#summary = summary;
  }

  /** The first non-empty word at or after `w` (and not past word `last`), or -1. */
  #nextNonEmptyWord(w: number, last = 0x3fff_ffff): number {
    const summary = this.#summary;
    const end = Math.min(summary.length, (last >>> 5) + 1);
    let s = w >>> 5;
    if (s >= end) return -1;
    let bits = summary[s] & (~0 << (w & 31));
    while (bits === 0) {
      s++;
      if (s >= end) return -1;
      bits = summary[s];
    }
    return (s << 5) + ctz32(bits);
  }

  /**
   * Marks bits `[start, end)` free or used: whole words at a time, and the
   * bits that were already so counted through the summary (a 2^28-bit
   * insert costs a fill, not a loop over every word).
   */
  #setRange(start: number, end: number, free: boolean): void {
    if (start >= end) return;
    const words = this.#words;
    const set = this.#countSet(start, end);
    fillBits(words, start, end, free);
    this.#free += free ? end - start - set : -set;
    // Every word touched is non-empty after a free; after a use only the
    // two end words can still hold bits outside the range.
    const w0 = start >>> 5;
    const w1 = (end - 1) >>> 5;
    fillBits(this.#summary, w0, w1 + 1, free);
    if (!free) {
      if (words[w0] !== 0) this.#summary[w0 >>> 5] |= 1 << (w0 & 31);
      if (words[w1] !== 0) this.#summary[w1 >>> 5] |= 1 << (w1 & 31);
    }
  }

  /** The number of set bits in `[start, end)`, visiting only non-empty words. */
  #countSet(start: number, end: number): number {
    const words = this.#words;
    const last = (end - 1) >>> 5;
    let count = 0;
    for (let w = this.#nextNonEmptyWord(start >>> 5, last); w >= 0 && w <= last;) {
      let bits = words[w];
      if (w === start >>> 5) bits &= ~0 << (start & 31);
      if (w === last) bits &= ~0 >>> (31 - ((end - 1) & 31));
      count += popcount32(bits);
      w = this.#nextNonEmptyWord(w + 1, last);
    }
    return count;
  }
}

/** Sets (`value`) or clears bits `[from, to)` of the bit array `bits`. */
function fillBits(bits: Uint32Array, from: number, to: number, value: boolean): void {
  if (from >= to) return;
  const w0 = from >>> 5;
  const w1 = (to - 1) >>> 5;
  const head = ~0 << (from & 31);
  const tail = ~0 >>> (31 - ((to - 1) & 31));
  if (w0 === w1) {
    bits[w0] = value ? bits[w0] | (head & tail) : bits[w0] & ~(head & tail);
    return;
  }
  bits[w0] = value ? bits[w0] | head : bits[w0] & ~head;
  bits.fill(value ? 0xffff_ffff : 0, w0 + 1, w1);
  bits[w1] = value ? bits[w1] | tail : bits[w1] & ~tail;
}

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
