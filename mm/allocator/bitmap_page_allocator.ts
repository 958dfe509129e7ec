/**
 * ArceOS `allocator::BitmapPageAllocator<PAGE_SIZE>` over the
 * `bitmap_allocator` crate, with its capacity features.
 *
 * @module
 */

import { alignDown, alignUp, hex, isAligned, isPowerOfTwo, log2Floor } from "../../hal/int.ts";
import { AllocError, NO_MEMORY } from "./alloc_error.ts";
import type { PageAllocator } from "./traits.ts";
import { BitAllocator } from "./bit_allocator.ts";
import { checkRegion } from "./layout.ts";

/** The largest alignment `alloc_pages` accepts: 1 GiB. */
export const MAX_ALIGN_1GB = 0x4000_0000;

/** The crate's capacity features: how many pages the bitmap can track. */
export type BitmapCapacity = "256m" | "4g" | "64g" | "1t";

/** Pages tracked by each capacity feature (`page-alloc-256m` is the default). */
export const BITMAP_CAPACITY_PAGES: Readonly<Record<BitmapCapacity, number>> = {
  "256m": 1 << 16,
  "4g": 1 << 20,
  "64g": 1 << 24,
  "1t": 1 << 28,
};

/** The names of the capacity features, smallest first. */
export const BITMAP_CAPACITIES: readonly BitmapCapacity[] = ["256m", "4g", "64g", "1t"];

/**
 * The checks `alloc_pages_at` makes before it looks at the bitmap, in the
 * real code's order, for a base of any width: an alignment that is not a
 * page multiple up to 1 GiB, or a base not aligned to it, is `InvalidParam`.
 * Callers holding a base outside the simulated window (past 2^53, say) run
 * these first and then answer `NoMemory`, as the real allocator does.
 *
 * @example
 * ```ts
 * import { checkPagesAtBase } from "./bitmap_page_allocator.ts";
 * checkPagesAtBase(0x20_0000_0000_0000n, 4096); // aligned: nothing thrown
 * try { checkPagesAtBase(0x20_0000_0000_0001n, 4096); } catch (e) { console.log(String(e)); }
 * ```
 */
export function checkPagesAtBase(base: bigint, alignPow2: number, pageSize = 4096): void {
  if (
    !Number.isSafeInteger(alignPow2) || alignPow2 <= 0 || alignPow2 > MAX_ALIGN_1GB ||
    alignPow2 % pageSize !== 0
  ) {
    throw new AllocError("InvalidParam", { reason: `alignment ${alignPow2} is invalid` });
  }
  if (base % BigInt(alignPow2) !== 0n || base % BigInt(pageSize) !== 0n) {
    throw new AllocError("InvalidParam", {
      reason: `${hex(base)} is not aligned to ${hex(alignPow2)}`,
    });
  }
}

/** Options of {@linkcode BitmapPageAllocator}. */
export interface BitmapPageAllocatorOptions {
  /** The page size in bytes, a power of two (default 4096). */
  pageSize?: number;
  /** The capacity feature (default `"256m"`: 64 Ki pages). */
  capacity?: BitmapCapacity;
}

/**
 * The bitmap page allocator.
 *
 * Reproduced quirks of the real code: a one-page request takes the lowest
 * free page whatever the alignment; `addMemory` always fails with
 * `NoMemory`; the bitmap's index 0 is the 1 GiB boundary below `init`'s
 * start, so capacity counts from there.
 *
 * @example
 * ```ts
 * import { BitmapPageAllocator } from "./bitmap_page_allocator.ts";
 * const a = new BitmapPageAllocator();
 * a.init(0x8040_0000, 0x80_0000);
 * console.log(a.allocPages(2, 0x4000).toString(16), a.usedPages()); // 80400000 2
 * ```
 */
export class BitmapPageAllocator implements PageAllocator {
  /** The page size in bytes. */
  readonly pageSize: number;
  /** The capacity feature in force. */
  readonly capacity: BitmapCapacity;
  #bits: BitAllocator;
  #base = 0;
  #totalPages = 0;
  #usedPages = 0;
  /** The bitmap index of the first managed page. */
  #firstIndex = 0;
  #initialised = false;

  /** Creates an allocator managing nothing yet. */
  constructor(options: BitmapPageAllocatorOptions = {}) {
    this.pageSize = options.pageSize ?? 4096;
    this.capacity = options.capacity ?? "256m";
    if (!BITMAP_CAPACITIES.includes(this.capacity)) {
      throw new AllocError("InvalidParam", {
        reason: `unknown capacity feature '${this.capacity}'; features: ${
          BITMAP_CAPACITIES.join(", ")
        }`,
      });
    }
    if (!isPowerOfTwo(this.pageSize)) {
      throw new AllocError("InvalidParam", {
        reason: `page size ${this.pageSize} is not a power of two`,
      });
    }
    this.#bits = new BitAllocator(BITMAP_CAPACITY_PAGES[this.capacity]);
  }

  /** The address of bitmap index 0 (`init`'s start rounded down to 1 GiB). */
  get base(): number {
    return this.#base;
  }

  /**
   * Manages the pages of `[align_up(start), align_down(start + size))`.
   * A range past the bitmap's capacity (a fatal assertion in the real code)
   * throws `InvalidParam`.
   */
  init(start: number, size: number): void {
    checkRegion(start, size);
    if (this.#initialised) {
      throw new AllocError("InvalidParam", { reason: "the page allocator is already initialised" });
    }
    const ps = this.pageSize;
    const end = alignDown(start + size, ps);
    const first = alignUp(start, ps);
    const total = end > first ? (end - first) / ps : 0;
    const base = alignDown(first, MAX_ALIGN_1GB);
    const startIdx = (first - base) / ps;
    if (startIdx + total > this.#bits.capacity) {
      throw new AllocError("InvalidParam", {
        address: start,
        reason: `[${hex(first)}, ${hex(end)}) reaches past the bitmap's capacity of ` +
          `${this.#bits.capacity} pages from ${hex(base)} (feature page-alloc-${this.capacity})`,
      });
    }
    this.#base = base;
    this.#totalPages = total;
    this.#firstIndex = startIdx;
    this.#bits.insert(startIdx, startIdx + total);
    this.#initialised = true;
  }

  /** Unsupported by the real allocator: always `NoMemory`. */
  addMemory(_start: number, _size: number): void {
    throw new AllocError("NoMemory", {
      reason: "BitmapPageAllocator does not support add_memory",
    });
  }

  /** Allocates `numPages` pages, the first aligned to `alignPow2` bytes (first fit). */
  allocPages(numPages: number, alignPow2: number): number {
    const p = this.tryAllocPages(numPages, alignPow2);
    if (p === NO_MEMORY) throw this.noMemory(numPages, alignPow2);
    return p;
  }

  /**
   * {@linkcode BitmapPageAllocator.allocPages} that answers `NoMemory` with
   * {@linkcode NO_MEMORY} instead of an exception (an invalid request still
   * throws `InvalidParam`): a failure then costs what a success does.
   */
  tryAllocPages(numPages: number, alignPow2: number): number {
    const alignLog2 = this.#alignLog2(alignPow2);
    if (!Number.isSafeInteger(numPages) || numPages < 0) {
      throw new AllocError("InvalidParam", { reason: `page count ${numPages} is invalid` });
    }
    if (numPages > this.availablePages()) return NO_MEMORY;
    if (numPages === 0) {
      throw new AllocError("InvalidParam", { reason: "zero pages requested" });
    }
    const idx = numPages === 1
      ? this.#bits.alloc()
      : this.#bits.allocContiguous(numPages, alignLog2);
    if (idx < 0) return NO_MEMORY;
    this.#usedPages += numPages;
    return this.#base + idx * this.pageSize;
  }

  /**
   * The `NoMemory` error, in words, of a request
   * {@linkcode BitmapPageAllocator.tryAllocPages} refused (asked before the
   * allocator changes).
   */
  noMemory(numPages: number, alignPow2: number): AllocError {
    return new AllocError("NoMemory", {
      reason: numPages > this.availablePages()
        ? `${numPages} pages requested, ${this.availablePages()} available`
        : `no run of ${numPages} free pages aligned to ${hex(alignPow2)}`,
    });
  }

  /** Allocates exactly `[base, base + numPages pages)`; `NoMemory` if any is taken. */
  allocPagesAt(base: number, numPages: number, alignPow2: number): number {
    const p = this.tryAllocPagesAt(base, numPages, alignPow2);
    if (p === NO_MEMORY) {
      throw new AllocError("NoMemory", {
        address: base,
        reason: `[${hex(base)}, +${numPages} pages) is not all free`,
      });
    }
    return p;
  }

  /**
   * {@linkcode BitmapPageAllocator.allocPagesAt} that answers `NoMemory`
   * with {@linkcode NO_MEMORY} instead of an exception.
   */
  tryAllocPagesAt(base: number, numPages: number, alignPow2: number): number {
    if (alignPow2 > MAX_ALIGN_1GB || !Number.isSafeInteger(alignPow2) || alignPow2 <= 0) {
      throw new AllocError("InvalidParam", { reason: `alignment ${alignPow2} is invalid` });
    }
    if (alignPow2 % this.pageSize !== 0) {
      throw new AllocError("InvalidParam", {
        reason: `alignment ${hex(alignPow2)} is not a multiple of the page size`,
      });
    }
    if (
      !Number.isSafeInteger(base) || !isAligned(base, alignPow2) || !isAligned(base, this.pageSize)
    ) {
      throw new AllocError("InvalidParam", {
        address: base,
        reason: `${hex(base)} is not aligned to ${hex(alignPow2)}`,
      });
    }
    const alignLog2 = this.#alignLog2(alignPow2);
    if (!Number.isSafeInteger(numPages) || numPages < 0) {
      throw new AllocError("InvalidParam", { reason: `page count ${numPages} is invalid` });
    }
    // Below the bitmap's base the real code's index wraps around: NoMemory.
    const idx = base >= this.#base ? (base - this.#base) / this.pageSize : Infinity;
    if (idx === Infinity || !this.#bits.allocContiguousAt(idx, numPages, alignLog2)) {
      return NO_MEMORY;
    }
    this.#usedPages += numPages;
    return base;
  }

  /**
   * Frees `numPages` pages at `pos`. Freeing a page that is not allocated
   * (a double free, or memory this allocator does not manage) is reported
   * as `NotAllocated` and frees nothing; a misaligned `pos` (a panic in the
   * real code) is `InvalidParam`.
   */
  deallocPages(pos: number, numPages: number): void {
    if (!Number.isSafeInteger(pos) || !isAligned(pos, this.pageSize)) {
      throw new AllocError("InvalidParam", {
        address: pos,
        reason: `${hex(pos)} is not aligned to the page size`,
      });
    }
    if (!Number.isSafeInteger(numPages) || numPages < 0) {
      throw new AllocError("InvalidParam", { reason: `page count ${numPages} is invalid` });
    }
    if (numPages === 0) return;
    const idx = (pos - this.#base) / this.pageSize;
    if (!this.#managed(idx, numPages) || !this.#bits.allUsed(idx, numPages)) {
      const firstFree = this.#managed(idx, numPages) ? this.#bits.next(idx) : idx;
      throw new AllocError("NotAllocated", {
        address: this.#base + firstFree * this.pageSize,
        reason: `page ${hex(this.#base + firstFree * this.pageSize)} of ` +
          `[${hex(pos)}, +${numPages} pages) is not allocated`,
      });
    }
    this.#bits.free(idx, numPages);
    this.#usedPages -= numPages;
  }

  /** Pages managed. */
  totalPages(): number {
    return this.#totalPages;
  }

  /** Pages allocated. */
  usedPages(): number {
    return this.#usedPages;
  }

  /** Pages free. */
  availablePages(): number {
    return this.#totalPages - this.#usedPages;
  }

  /** The longest run of free pages (for fragmentation reports). */
  largestFreeBlock(): number {
    let best = 0;
    for (let k = this.#bits.next(0); k >= 0;) {
      const used = this.#bits.nextUsed(k);
      if (used - k > best) best = used - k;
      k = this.#bits.next(used);
    }
    return best;
  }

  /** Whether the page at `addr` is allocated (false outside the managed range). */
  isAllocated(addr: number): boolean {
    const idx = Math.floor((addr - this.#base) / this.pageSize);
    return this.#managed(idx, 1) && !this.#bits.test(idx);
  }

  #managed(idx: number, n: number): boolean {
    return idx >= this.#firstIndex && idx + n <= this.#firstIndex + this.#totalPages;
  }

  #alignLog2(alignPow2: number): number {
    if (
      !Number.isSafeInteger(alignPow2) || alignPow2 > MAX_ALIGN_1GB ||
      alignPow2 % this.pageSize !== 0
    ) {
      throw new AllocError("InvalidParam", {
        reason: `alignment ${alignPow2} is not a page multiple up to 1 GiB`,
      });
    }
    const pages = alignPow2 / this.pageSize;
    if (!isPowerOfTwo(pages)) {
      throw new AllocError("InvalidParam", {
        reason: `alignment ${hex(alignPow2)} is not a power-of-two number of pages`,
      });
    }
    return log2Floor(pages);
  }
}
