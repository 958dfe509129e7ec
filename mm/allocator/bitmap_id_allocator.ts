/**
 * An `IdAllocator` on the bitmap (the `IdAllocator` trait of the ArceOS
 * `allocator` crate over `bitmap_allocator`): thread IDs, ASIDs, IRQ
 * numbers.
 *
 * @module
 */

import { hex, isPowerOfTwo, log2Floor } from "../../hal/int.ts";
import { AllocError, NO_MEMORY } from "./alloc_error.ts";
import type { IdAllocator } from "./traits.ts";
import { BIT_ALLOC_CAPACITIES, BitAllocator } from "./bit_allocator.ts";

/** The largest ID count: the `BitAlloc256M` bitmap. */
export const MAX_IDS: number = BIT_ALLOC_CAPACITIES.BitAlloc256M;

/**
 * IDs `[start, start + size)` on a bitmap; the lowest free ID (or aligned
 * run) is taken first, as the bitmap allocator does.
 *
 * @example
 * ```ts
 * import { BitmapIdAllocator } from "./bitmap_id_allocator.ts";
 * const pids = new BitmapIdAllocator();
 * pids.init(1, 32767);
 * pids.allocFixedId(1); // init
 * console.log(pids.allocId(1, 1), pids.allocId(4, 4)); // 2 4
 * ```
 */
export class BitmapIdAllocator implements IdAllocator {
  #bits = new BitAllocator(MAX_IDS);
  #start = 0;
  #size = 0;
  #used = 0;
  #initialised = false;

  /** Makes IDs `[start, start + size)` available. */
  init(start: number, size: number): void {
    if (this.#initialised) {
      throw new AllocError("InvalidParam", { reason: "the ID allocator is already initialised" });
    }
    if (
      !Number.isSafeInteger(start) || !Number.isSafeInteger(size) || start < 0 || size < 0 ||
      start + size > MAX_IDS
    ) {
      throw new AllocError("InvalidParam", {
        reason: `IDs [${start}, ${start + size}) do not fit the ${MAX_IDS}-bit bitmap`,
      });
    }
    this.#bits.insert(start, start + size);
    this.#start = start;
    this.#size = size;
    this.#initialised = true;
  }

  /** More IDs cannot be added to a bitmap: always `NoMemory`. */
  addMemory(_start: number, _size: number): void {
    throw new AllocError("NoMemory", { reason: "a bitmap ID allocator cannot grow" });
  }

  /** Allocates `count` consecutive IDs, the first a multiple of `alignPow2`. */
  allocId(count: number, alignPow2: number): number {
    const id = this.tryAllocId(count, alignPow2);
    if (id !== NO_MEMORY) return id;
    throw new AllocError("NoMemory", {
      reason: count > this.available()
        ? `${count} IDs requested, ${this.available()} available`
        : `no run of ${count} free IDs aligned to ${alignPow2}`,
    });
  }

  /** {@linkcode BitmapIdAllocator.allocId} answering `NoMemory` with `NO_MEMORY` (-3), no exception. */
  tryAllocId(count: number, alignPow2: number): number {
    if (!isPowerOfTwo(alignPow2)) {
      throw new AllocError("InvalidParam", {
        reason: `alignment ${alignPow2} is not a power of two`,
      });
    }
    if (!Number.isSafeInteger(count) || count <= 0) {
      throw new AllocError("InvalidParam", { reason: `ID count ${count} is not positive` });
    }
    if (count > this.available()) return NO_MEMORY;
    const id = count === 1 && alignPow2 === 1
      ? this.#bits.alloc()
      : this.#bits.allocContiguous(count, log2Floor(alignPow2));
    if (id < 0) return NO_MEMORY;
    this.#used += count;
    return id;
  }

  /** Frees `count` IDs from `startId`; freeing a free ID is `NotAllocated`. */
  deallocId(startId: number, count: number): void {
    if (!this.#inRange(startId, count)) {
      throw new AllocError("NotAllocated", {
        address: startId,
        reason: `IDs [${startId}, ${startId + count}) are not all managed here`,
      });
    }
    if (!this.#bits.allUsed(startId, count)) {
      throw new AllocError("NotAllocated", {
        address: startId,
        reason: `ID ${this.#bits.next(startId)} is not allocated`,
      });
    }
    this.#bits.free(startId, count);
    this.#used -= count;
  }

  /** Whether `id` is allocated (false outside the managed range). */
  isAllocated(id: number): boolean {
    return this.#inRange(id, 1) && !this.#bits.test(id);
  }

  /** Marks `id` allocated; `NoMemory` if it already is or is not managed. */
  allocFixedId(id: number): void {
    if (!this.tryAllocFixedId(id)) {
      throw new AllocError("NoMemory", {
        address: id,
        reason: `ID ${id} (${hex(id)}) is taken or not managed`,
      });
    }
  }

  /** {@linkcode BitmapIdAllocator.allocFixedId} answering `false` instead of `NoMemory`. */
  tryAllocFixedId(id: number): boolean {
    if (!this.#inRange(id, 1) || !this.#bits.allocContiguousAt(id, 1, 0)) return false;
    this.#used++;
    return true;
  }

  /** How many IDs are managed. */
  size(): number {
    return this.#size;
  }

  /** How many IDs are allocated. */
  used(): number {
    return this.#used;
  }

  /** How many IDs are free. */
  available(): number {
    return this.#size - this.#used;
  }

  #inRange(id: number, count: number): boolean {
    return Number.isSafeInteger(id) && Number.isSafeInteger(count) && count >= 0 &&
      id >= this.#start && id + count <= this.#start + this.#size;
  }
}
