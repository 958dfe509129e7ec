/**
 * A second example byte allocator, of another design than
 * `first_fit_allocator.ts`: free ranges are kept in segregated bins by size
 * class (bin k holds ranges of 2^k to 2^(k+1) - 1 bytes), an allocation takes
 * the best fit of the smallest bin that can serve it, and a free merges the
 * block with the free ranges that touch it (boundary maps by start and by end,
 * so a free is O(1) however many ranges there are). It passes the
 * conformance suite, fuzzing included:
 *
 * ```sh
 * deno task conformance --allocator examples/segregated_fit_allocator.ts --allow-user-code
 * deno task fuzz --allocator examples/segregated_fit_allocator.ts --allow-user-code --seconds 60
 * ```
 *
 * @module
 */

import { AllocError, type ByteAllocator } from "../mod.ts";

/** A free range `[start, end)`. */
interface Range {
  start: number;
  end: number;
}

/** The size class of a range of `bytes` bytes: floor(log2(bytes)). */
const sizeClass = (bytes: number): number => Math.floor(Math.log2(bytes));

/** The first address at or above `at` that is a multiple of `align`. */
const alignUp = (at: number, align: number): number => Math.ceil(at / align) * align;

/**
 * Segregated-fit allocator: best fit within size classes, coalescing frees.
 *
 * @example
 * ```ts
 * import { SegregatedFitAllocator } from "./segregated_fit_allocator.ts";
 * const a = new SegregatedFitAllocator();
 * a.init(0x9000_0000, 0x10_0000);
 * const p = a.alloc(100, 16);
 * console.log(p % 16 === 0, a.usedBytes()); // true 100
 * a.dealloc(p, 100, 16);
 * ```
 */
export class SegregatedFitAllocator implements ByteAllocator {
  /** Free ranges by size class. */
  #bins: Set<Range>[] = [];
  /** Free ranges by their start, and by their end (for merging). */
  #byStart = new Map<number, Range>();
  #byEnd = new Map<number, Range>();
  /** Live blocks: address -> [start, end) they took. */
  #live = new Map<number, Range>();
  /** The memory given, to tell an overlapping `addMemory`. */
  #given: Range[] = [];
  #total = 0;
  #used = 0;

  /** Takes `[start, start + size)`. */
  init(start: number, size: number): void {
    this.addMemory(start, size);
  }

  /** Adds `[start, start + size)`; memory that overlaps what it has is `MemoryOverlap`. */
  addMemory(start: number, size: number): void {
    if (!(size > 0)) return;
    const r = { start, end: start + size };
    if (this.#given.some((g) => g.start < r.end && r.start < g.end)) {
      throw new AllocError("MemoryOverlap", { address: start });
    }
    this.#given.push({ ...r });
    this.#total += size;
    this.#release(r);
  }

  /**
   * The best fit of the smallest size class that holds `size` bytes at an
   * aligned address; `NoMemory` when none does.
   */
  alloc(size: number, align: number): number {
    if (!(Number.isInteger(align) && align > 0 && (align & (align - 1)) === 0)) {
      throw new AllocError("InvalidParam", { reason: `alignment ${align} is not a power of two` });
    }
    const need = Math.max(size, 1);
    for (let k = sizeClass(need); k < this.#bins.length; k++) {
      const bin = this.#bins[k];
      if (bin === undefined || bin.size === 0) continue;
      let best: Range | undefined;
      let bestAt = 0;
      for (const r of bin) {
        const at = alignUp(r.start, align);
        if (at + need > r.end) continue;
        if (best === undefined || r.end - r.start < best.end - best.start) {
          best = r;
          bestAt = at;
          if (r.end - r.start === need) break;
        }
      }
      if (best === undefined) continue;
      this.#take(best);
      if (bestAt > best.start) this.#release({ start: best.start, end: bestAt });
      if (bestAt + need < best.end) this.#release({ start: bestAt + need, end: best.end });
      this.#live.set(bestAt, { start: bestAt, end: bestAt + need });
      this.#used += size;
      return bestAt;
    }
    throw new AllocError("NoMemory", {
      reason: `no free range holds ${size} bytes aligned to ${align}`,
    });
  }

  /** Frees a live block, merging it with the free ranges that touch it. */
  dealloc(ptr: number, size: number, _align: number): void {
    const r = this.#live.get(ptr);
    if (r === undefined) throw new AllocError("NotAllocated", { address: ptr });
    this.#live.delete(ptr);
    this.#used -= size;
    this.#release({ ...r });
  }

  /** Bytes given to the allocator. */
  totalBytes(): number {
    return this.#total;
  }

  /** Bytes requested by live allocations. */
  usedBytes(): number {
    return this.#used;
  }

  /** `totalBytes() - usedBytes()`. */
  availableBytes(): number {
    return this.#total - this.#used;
  }

  /** Makes `r` free, merged with its free neighbours. */
  #release(r: Range): void {
    const before = this.#byEnd.get(r.start);
    if (before !== undefined) {
      this.#take(before);
      r.start = before.start;
    }
    const after = this.#byStart.get(r.end);
    if (after !== undefined) {
      this.#take(after);
      r.end = after.end;
    }
    const k = sizeClass(r.end - r.start);
    (this.#bins[k] ??= new Set()).add(r);
    for (let i = 0; i < k; i++) this.#bins[i] ??= new Set();
    this.#byStart.set(r.start, r);
    this.#byEnd.set(r.end, r);
  }

  /** Takes the free range `r` out of the bins and the boundary maps. */
  #take(r: Range): void {
    this.#bins[sizeClass(r.end - r.start)].delete(r);
    this.#byStart.delete(r.start);
    this.#byEnd.delete(r.end);
  }
}
