/**
 * The ArceOS tutorial's `EarlyAllocator`: one region, bytes allocated
 * upwards from its start and pages downwards from its end.
 *
 * ```text
 * [ bytes-used | available | pages-used ]
 * start     bytePos      pagePos       end
 * ```
 *
 * Byte frees only count down: when the count reaches zero the whole byte
 * area is reset. Pages are never freed.
 *
 * @module
 */

import { alignDown, alignUp, hex } from "../../hal/int.ts";
import { AllocError } from "../allocator/alloc_error.ts";
import { checkLayout, checkRegion } from "../allocator/layout.ts";

/** The early allocator's page size. */
export const EARLY_PAGE_SIZE = 4096;

/**
 * Whether the tutorial's `GlobalAlloc` treats a layout as a page request:
 * a non-zero multiple of the page size, aligned exactly to the page size.
 *
 * @example
 * ```ts
 * import { isPageRequest } from "./early_allocator.ts";
 * console.log(isPageRequest(8192, 4096), isPageRequest(8192, 8)); // true false
 * ```
 */
export function isPageRequest(size: number, align: number): boolean {
  return size > 0 && size % EARLY_PAGE_SIZE === 0 && align === EARLY_PAGE_SIZE;
}

/**
 * The early allocator.
 *
 * @example
 * ```ts
 * import { EarlyAllocator } from "./early_allocator.ts";
 * const early = new EarlyAllocator();
 * early.init(0x8010_0000, 0x10_0000);
 * const s = early.allocBytes(11, 1);   // 0x80100000
 * const p = early.allocPages(4096, 4096); // 0x801ff000: from the top
 * early.deallocBytes();                // count 0: the byte area resets
 * console.log(early.usedBytes(), early.usedPages()); // 0 1
 * ```
 */
export class EarlyAllocator {
  #start = 0;
  #end = 0;
  #count = 0;
  #bytePos = 0;
  #pagePos = 0;

  /** Takes the region `[start, start + size)`. */
  init(start: number, size: number): void {
    checkRegion(start, size);
    this.#start = start;
    this.#end = start + size;
    this.#bytePos = start;
    this.#pagePos = this.#end;
    this.#count = 0;
  }

  /** The tutorial leaves `add_memory` unimplemented (`todo!()`); mmsim says so. */
  addMemory(_start: number, _size: number): void {
    throw new AllocError("InvalidParam", {
      reason: "the early allocator cannot take more memory (add_memory is todo!() in the tutorial)",
    });
  }

  /** Byte request: `align_up(bytePos, align) + size`, failing past `pagePos`. */
  allocBytes(size: number, align: number): number {
    checkLayout(size, align);
    const start = alignUp(this.#bytePos, align);
    const next = start + size;
    if (next > this.#pagePos) {
      throw new AllocError("NoMemory", {
        reason: `early allocator: ${size} bytes at ${hex(start)} would run into the pages at ` +
          `${hex(this.#pagePos)}`,
      });
    }
    this.#bytePos = next;
    this.#count++;
    return start;
  }

  /** Page request of `size` bytes (a page multiple): `align_down(pagePos - size, align)`. */
  allocPages(size: number, align: number): number {
    checkLayout(size, align);
    if (size % EARLY_PAGE_SIZE !== 0) {
      throw new AllocError("InvalidParam", { reason: `${size} bytes is not whole pages` });
    }
    const next = alignDown(this.#pagePos - size, align);
    if (next <= this.#bytePos || this.#pagePos - size < this.#start) {
      throw new AllocError("NoMemory", {
        reason: `early allocator: ${size / EARLY_PAGE_SIZE} pages would run into the bytes ` +
          `ending at ${hex(this.#bytePos)}`,
      });
    }
    this.#pagePos = next;
    return next;
  }

  /**
   * Frees a byte allocation: the pointer is ignored, the count drops, and
   * at zero the byte area resets. A free with nothing allocated (an
   * underflow in the tutorial) is `NotAllocated`.
   */
  deallocBytes(): void {
    if (this.#count === 0) {
      throw new AllocError("NotAllocated", {
        reason: "early allocator: a byte free with no byte allocation outstanding",
      });
    }
    this.#count--;
    if (this.#count === 0) this.#bytePos = this.#start;
  }

  /** Live byte allocations. */
  get count(): number {
    return this.#count;
  }

  /** The region's start. */
  get start(): number {
    return this.#start;
  }

  /** The region's end. */
  get end(): number {
    return this.#end;
  }

  /** Whether `addr` lies in the region. */
  contains(addr: number): boolean {
    return addr >= this.#start && addr < this.#end;
  }

  /** `end - start`. */
  totalBytes(): number {
    return this.#end - this.#start;
  }

  /** `bytePos - start`. */
  usedBytes(): number {
    return this.#bytePos - this.#start;
  }

  /** `pagePos - bytePos`. */
  availableBytes(): number {
    return this.#pagePos - this.#bytePos;
  }

  /** `(end - start) / 4096`. */
  totalPages(): number {
    return Math.floor((this.#end - this.#start) / EARLY_PAGE_SIZE);
  }

  /** `(end - pagePos) / 4096`. */
  usedPages(): number {
    return Math.floor((this.#end - this.#pagePos) / EARLY_PAGE_SIZE);
  }

  /** `(pagePos - bytePos) / 4096`. */
  availablePages(): number {
    return Math.floor((this.#pagePos - this.#bytePos) / EARLY_PAGE_SIZE);
  }
}
