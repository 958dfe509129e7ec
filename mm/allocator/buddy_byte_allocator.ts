/**
 * ArceOS `allocator::BuddyByteAllocator`: a thin wrapper over the buddy heap
 * `buddy_system_allocator::Heap<32>`.
 *
 * @module
 */

import type { ByteAllocator } from "./traits.ts";
import { BuddyHeap } from "./buddy_heap.ts";
import type { PointerWidthOptions } from "./layout.ts";

/**
 * The buddy byte allocator. `usedBytes` counts whole blocks (the heap's
 * `stats_alloc_actual`), as the real wrapper does.
 *
 * @example
 * ```ts
 * import { BuddyByteAllocator } from "./buddy_byte_allocator.ts";
 * const a = new BuddyByteAllocator();
 * a.init(0x8000_0000, 0x10_0000);
 * const p = a.alloc(24, 8);
 * console.log(p.toString(16), a.usedBytes()); // 80000000 32
 * ```
 */
export class BuddyByteAllocator implements ByteAllocator {
  /** The buddy heap this allocator wraps. */
  readonly heap: BuddyHeap;

  /** A model for a 64-bit target, or for a 32-bit one with `pointerWidth: 4`. */
  constructor(options: PointerWidthOptions = {}) {
    this.heap = new BuddyHeap({ pointerWidth: options.pointerWidth });
  }

  /** Adds `[start, start + size)` to the heap. */
  init(start: number, size: number): void {
    this.heap.init(start, size);
  }

  /** Adds `[start, start + size)` to the heap (never fails in the real crate). */
  addMemory(start: number, size: number): void {
    this.heap.init(start, size);
  }

  /** The largest free buddy block, in bytes. */
  largestFreeBlock(): number {
    return this.heap.largestFreeBlock();
  }

  /** Allocates a buddy block for the layout; `NoMemory` when none is free. */
  alloc(size: number, align: number): number {
    return this.heap.alloc(size, align);
  }

  /** {@linkcode BuddyByteAllocator.alloc} that answers `NoMemory` with `NO_MEMORY` (-3). */
  tryAlloc(size: number, align: number): number {
    return this.heap.tryAlloc(size, align);
  }

  /** Frees a block allocated with the same layout. */
  dealloc(ptr: number, size: number, align: number): void {
    this.heap.dealloc(ptr, size, align);
  }

  /**
   * The handle of the block the last successful allocation took (the
   * heap's node), for {@linkcode BuddyByteAllocator.deallocHandle}.
   */
  get lastHandle(): number {
    return this.heap.lastHandle;
  }

  /**
   * {@linkcode BuddyByteAllocator.dealloc} told the block's handle: no
   * lookup of the pointer; a wrong handle is checked by address.
   */
  deallocHandle(ptr: number, size: number, align: number, handle: number): void {
    this.heap.deallocHandle(ptr, size, align, handle);
  }

  /** Bytes added to the heap. */
  totalBytes(): number {
    return this.heap.statsTotalBytes();
  }

  /** Bytes in allocated blocks. */
  usedBytes(): number {
    return this.heap.statsAllocActual();
  }

  /** `totalBytes() - usedBytes()`. */
  availableBytes(): number {
    return this.heap.statsTotalBytes() - this.heap.statsAllocActual();
  }
}
