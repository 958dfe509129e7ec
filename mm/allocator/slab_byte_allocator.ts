/**
 * ArceOS `allocator::SlabByteAllocator`, the `slab_allocator` 0.3.1 crate:
 * seven slabs of 64 .. 4096-byte blocks in front of a buddy heap.
 *
 * @module
 */

import { hex } from "../../hal/int.ts";
import { ADDRESS_INT_MAP_MISSING, AddressIntMap } from "./address_map.ts";
import { AllocError, NO_MEMORY } from "./alloc_error.ts";
import { NO_MEMORY_RESULT } from "./unboxed_results.ts";
import type { ByteAllocator } from "./traits.ts";
import { BuddyHeap } from "./buddy_heap.ts";
import { checkLayout, checkRegion, type PointerWidthOptions } from "./layout.ts";

/** The block sizes of the seven slabs, smallest first. */
export const SLAB_BLOCK_SIZES: readonly number[] = [64, 128, 256, 512, 1024, 2048, 4096];
/** How many blocks a slab grows by at a time (`SET_SIZE`). */
export const SLAB_SET_SIZE = 64;
/** The smallest heap `init` accepts (`MIN_HEAP_SIZE`, 32 KiB). */
export const SLAB_MIN_HEAP_SIZE = 0x8000;
const PAGE = 4096;

/** The state of one slab, for reports. */
export interface SlabClassStats {
  /** Block size in bytes. */
  blockSize: number;
  /** Blocks the slab owns. */
  totalBlocks: number;
  /** Blocks handed out. */
  usedBlocks: number;
}

/**
 * Which slab serves a layout: the smallest class with `size <= class` and
 * `align <= class`; 7 for the buddy heap (over 4096 bytes). Like the real
 * code, a request of at most 4096 bytes with an alignment above 2048 goes to
 * the 4096-byte slab whatever its alignment.
 *
 * @example
 * ```ts
 * import { slabClassFor } from "./slab_byte_allocator.ts";
 * console.log(slabClassFor(80, 8), slabClassFor(5000, 8)); // 1 7
 * ```
 */
export function slabClassFor(size: number, align: number): number {
  if (size > 4096) return 7;
  // Class i holds max(size, align) <= 64 << i; alignments past 2048 land in
  // 6 (as 4096 does). Branch-free below: with mixed sizes and alignments
  // every branch on them would mispredict.
  const a = Math.min(align, 4096);
  const d = size - a;
  const m1 = a + (d & ~(d >> 31)) - 1; // max(size, a) - 1
  const c = 26 - Math.clz32(m1 & ~(m1 >> 31));
  return c & ~(c >> 31);
}

/** One slab: its block size and its free list, a stack of block ids (the top is the list's head). */
class Slab {
  readonly blockSize: number;
  free = new Int32Array(64);
  freeCount = 0;
  totalBlocks = 0;
  constructor(blockSize: number) {
    this.blockSize = blockSize;
  }

  push(id: number): void {
    if (this.freeCount === this.free.length) {
      const grown = new Int32Array(this.free.length * 2);
      grown.set(this.free);
      this.free = grown;
    }
    this.free[this.freeCount++] = id;
  }
}

/** A slab block's state while it is free (else it is its slab's index). */
const FREE = -1;

/**
 * The slab byte allocator. Its statistics reproduce the real crate's double
 * count: a slab's set of blocks is counted once as slab blocks and once as
 * the buddy allocation it came from.
 *
 * @example
 * ```ts
 * import { SlabByteAllocator } from "./slab_byte_allocator.ts";
 * const a = new SlabByteAllocator();
 * a.init(0x8000_0000, 0x8000);
 * const p = a.alloc(40, 8); // the 64-byte slab grows by 64 blocks (4 KiB)
 * console.log(p.toString(16)); // 80000fc0: the highest block of the new set
 * ```
 */
export class SlabByteAllocator implements ByteAllocator {
  readonly #slabs: Slab[] = SLAB_BLOCK_SIZES.map((b) => new Slab(b));
  /**
   * Every slab block ever made has an id (slab memory never returns to the
   * buddy heap): its address, and its slab's index while allocated or
   * {@linkcode FREE}.
   */
  #blockAddr = new Float64Array(1024);
  #blockState = new Int8Array(1024);
  #blockCount = 0;
  /** The buddy heap behind the slabs. */
  readonly buddy: BuddyHeap;
  /**
   * Every slab block by address: its id. A large block (served by the
   * buddy heap) is never at a slab block's address, and a slab's set is a
   * buddy block that starts at one: so a stale large pointer whose memory
   * now holds a set is never freed as a large block.
   */
  readonly #blocks = new AddressIntMap(1024);
  /**
   * The buddy heap's nodes that hold a slab's set (1), by node: a set is
   * never freed, so its node stays a set, and a stale handle of a large
   * block whose memory now holds a set is refused by it.
   */
  #setNodes = new Uint8Array(64);
  #initialised = false;
  /**
   * The handle of the last successful allocation, for
   * {@linkcode SlabByteAllocator.deallocHandle}: a slab block's id (0 and
   * up), or for a large block `-2 - ` its buddy heap handle.
   */
  lastHandle: number = -1;

  /**
   * A model for a 64-bit target, or for a 32-bit one with `pointerWidth: 4`
   * (the buddy heap's smallest block is a word; the slabs' blocks are 64
   * bytes and up at either width).
   */
  constructor(options: PointerWidthOptions = {}) {
    this.buddy = new BuddyHeap({ uncappedOrders: true, pointerWidth: options.pointerWidth });
  }

  /**
   * `Heap::new(start, size)`: `start` must be 4 KiB aligned and `size` a
   * multiple of 32 KiB, at least 32 KiB (the real crate panics otherwise;
   * mmsim throws `InvalidParam`).
   */
  /** The largest free block of the buddy heap behind the slabs, in bytes. */
  largestFreeBlock(): number {
    return this.buddy.largestFreeBlock();
  }

  init(start: number, size: number): void {
    checkRegion(start, size);
    if (this.#initialised) {
      throw new AllocError("InvalidParam", { reason: "the slab heap is already initialised" });
    }
    if (start % PAGE !== 0) {
      throw new AllocError("InvalidParam", {
        address: start,
        reason: `slab heap start ${hex(start)} is not page aligned`,
      });
    }
    if (size < SLAB_MIN_HEAP_SIZE || size % SLAB_MIN_HEAP_SIZE !== 0) {
      throw new AllocError("InvalidParam", {
        address: start,
        reason: `slab heap size ${hex(size)} is not a non-zero multiple of 32 KiB`,
      });
    }
    this.buddy.init(start, size);
    this.#initialised = true;
  }

  /** `Heap::add_memory`: page-aligned, whole pages, to the buddy heap. */
  addMemory(start: number, size: number): void {
    checkRegion(start, size);
    if (start % PAGE !== 0 || size % PAGE !== 0) {
      throw new AllocError("InvalidParam", {
        address: start,
        reason: `added memory [${hex(start)}, +${hex(size)}) is not whole pages`,
      });
    }
    this.buddy.addToHeap(start, start + size);
  }

  /**
   * Allocates from the layout's slab (growing it by 64 blocks from the
   * buddy heap when empty) or, over 4096 bytes, from the buddy heap.
   */
  alloc(size: number, align: number): number {
    const p = this.tryAlloc(size, align);
    if (p !== NO_MEMORY) return p;
    // In the buddy heap's words for the request of it that failed.
    const cls = slabClassFor(size, align);
    throw cls === 7
      ? this.buddy.noMemory(size, align)
      : this.buddy.noMemory(SLAB_SET_SIZE * this.#slabs[cls].blockSize, PAGE);
  }

  /**
   * {@linkcode SlabByteAllocator.alloc} that answers `NoMemory` with
   * {@linkcode NO_MEMORY} instead of an exception.
   */
  tryAlloc(size: number, align: number): number {
    checkLayout(size, align);
    const cls = slabClassFor(size, align);
    if (cls === 7) {
      const p = this.buddy.tryAlloc(size, align);
      this.lastHandle = -2 - this.buddy.lastHandle;
      return p;
    }
    const slab = this.#slabs[cls];
    if (slab.freeCount === 0 && !this.#grow(slab)) return NO_MEMORY_RESULT[0];
    const id = slab.free[--slab.freeCount];
    this.#blockState[id] = cls;
    this.lastHandle = id;
    return this.#blockAddr[id];
  }

  /**
   * {@linkcode SlabByteAllocator.dealloc} told the handle
   * {@linkcode SlabByteAllocator.lastHandle} gave when `ptr` was allocated:
   * the block is found without a lookup. A handle that is not `ptr`'s
   * live block of this layout's slab (or, for a large block, of the buddy
   * heap, and not a slab's set) is ignored, and the free checked by address.
   */
  deallocHandle(ptr: number, size: number, align: number, handle: number): void {
    checkLayout(size, align);
    const cls = slabClassFor(size, align);
    if (cls !== 7) {
      if (
        handle >= 0 && handle < this.#blockCount && this.#blockAddr[handle] === ptr &&
        this.#blockState[handle] === cls
      ) {
        this.#blockState[handle] = FREE;
        this.#slabs[cls].push(handle);
        return;
      }
    } else {
      const node = -2 - handle;
      if (
        node >= 0 && (node >= this.#setNodes.length || this.#setNodes[node] === 0) &&
        this.buddy.freeHandle(ptr, size, align, node)
      ) return;
    }
    this.dealloc(ptr, size, align);
  }

  /**
   * `Slab::grow`: a set of 64 blocks from the buddy heap, pushed so that
   * the highest block is the head. False when the buddy heap has no room.
   */
  #grow(slab: Slab): boolean {
    const setBytes = SLAB_SET_SIZE * slab.blockSize;
    const set = this.buddy.tryAlloc(setBytes, PAGE);
    if (set === NO_MEMORY) return false;
    const node = this.buddy.lastHandle;
    if (node >= this.#setNodes.length) {
      const grown = new Uint8Array(Math.max(node + 1, this.#setNodes.length * 2));
      grown.set(this.#setNodes);
      this.#setNodes = grown;
    }
    this.#setNodes[node] = 1;
    if (this.#blockCount + SLAB_SET_SIZE > this.#blockAddr.length) {
      const addr = new Float64Array(this.#blockAddr.length * 2);
      addr.set(this.#blockAddr);
      this.#blockAddr = addr;
      const state = new Int8Array(addr.length);
      state.set(this.#blockState);
      this.#blockState = state;
    }
    for (let i = 0; i < SLAB_SET_SIZE; i++) {
      const id = this.#blockCount++;
      const ptr = set + i * slab.blockSize;
      this.#blockAddr[id] = ptr;
      this.#blockState[id] = FREE;
      this.#blocks.set(ptr, id);
      slab.push(id);
    }
    slab.totalBlocks += SLAB_SET_SIZE;
    return true;
  }

  /** Frees a block allocated with the same layout. */
  dealloc(ptr: number, size: number, align: number): void {
    checkLayout(size, align);
    const cls = slabClassFor(size, align);
    if (cls === 7) {
      if (this.#blocks.get(ptr) === ADDRESS_INT_MAP_MISSING) {
        try {
          this.buddy.dealloc(ptr, size, align);
          return;
        } catch (e) {
          if (!(e instanceof AllocError && e.kind === "NotAllocated")) throw e;
        }
      }
      throw new AllocError("NotAllocated", {
        address: ptr,
        reason: `${hex(ptr)} is not an allocated large block (double free or foreign pointer)`,
      });
    }
    const id = this.#blocks.get(ptr);
    if (id === ADDRESS_INT_MAP_MISSING && this.buddy.isAllocated(ptr)) {
      throw new AllocError("InvalidParam", {
        address: ptr,
        reason: `${hex(ptr)} came from the buddy heap, ` +
          `freed with a layout of the ${SLAB_BLOCK_SIZES[cls]}-byte slab`,
      });
    }
    const liveCls = id === ADDRESS_INT_MAP_MISSING ? FREE : this.#blockState[id];
    if (liveCls === FREE) {
      throw new AllocError("NotAllocated", {
        address: ptr,
        reason: `${hex(ptr)} is not an allocated slab block (double free or foreign pointer)`,
      });
    }
    if (liveCls !== cls) {
      throw new AllocError("InvalidParam", {
        address: ptr,
        reason: `${hex(ptr)} came from the ${SLAB_BLOCK_SIZES[liveCls]}-byte slab, ` +
          `freed with a layout of the ${SLAB_BLOCK_SIZES[cls]}-byte slab`,
      });
    }
    this.#blockState[id] = FREE;
    this.#slabs[cls].push(id);
  }

  /** Slab capacities plus the buddy heap's total. */
  totalBytes(): number {
    let t = this.buddy.statsTotalBytes();
    for (const s of this.#slabs) t += s.totalBlocks * s.blockSize;
    return t;
  }

  /** Used slab blocks plus the buddy heap's allocated bytes (slab sets included). */
  usedBytes(): number {
    let u = this.buddy.statsAllocActual();
    for (const s of this.#slabs) u += (s.totalBlocks - s.freeCount) * s.blockSize;
    return u;
  }

  /** `totalBytes() - usedBytes()`. */
  availableBytes(): number {
    return this.totalBytes() - this.usedBytes();
  }

  /** Per-slab block counts, smallest slab first. */
  slabStats(): SlabClassStats[] {
    return this.#slabs.map((s) => ({
      blockSize: s.blockSize,
      totalBlocks: s.totalBlocks,
      usedBlocks: s.totalBlocks - s.freeCount,
    }));
  }
}
