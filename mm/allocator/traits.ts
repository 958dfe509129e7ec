/**
 * The unified allocator interfaces of the ArceOS `allocator` crate:
 * `BaseAllocator`, `ByteAllocator`, `PageAllocator` and `IdAllocator`.
 *
 * Addresses are JavaScript numbers, exact up to 2^53. To manage memory at
 * higher addresses (kernel virtual addresses), place the allocator in an
 * `AddressWindow` from `hal/address.ts`.
 *
 * Failures are thrown as `AllocError`s, whose `kind` names the
 * Rust variant (`InvalidParam`, `MemoryOverlap`, `NoMemory`, `NotAllocated`).
 *
 * @module
 */

/**
 * What every allocator can do: take memory.
 *
 * @example
 * ```ts
 * import type { BaseAllocator } from "./traits.ts";
 * function feed(a: BaseAllocator) {
 *   a.init(0x8000_0000, 0x10_0000);
 * }
 * ```
 */
export interface BaseAllocator {
  /** Initialises the allocator with the free region `[start, start + size)`. */
  init(start: number, size: number): void;
  /** Adds the free region `[start, start + size)`; throws an `AllocError` on failure. */
  addMemory(start: number, size: number): void;
}

/**
 * A byte-granularity allocator (`alloc(Layout)` / `dealloc(ptr, Layout)`).
 *
 * @example
 * ```ts
 * import { TlsfByteAllocator } from "./tlsf_byte_allocator.ts";
 * const a = new TlsfByteAllocator();
 * a.init(0x8000_0000, 0x10_0000);
 * const p = a.alloc(100, 8);
 * a.dealloc(p, 100, 8);
 * ```
 */
export interface ByteAllocator extends BaseAllocator {
  /** Allocates `size` bytes aligned to the power of two `align`. */
  alloc(size: number, align: number): number;
  /**
   * Optional: `alloc` that returns `NO_MEMORY` (-3) instead of throwing
   * `NoMemory` (other errors still throw). mmsim's models have it, so that
   * a replay's failed allocations cost what successful ones do.
   */
  tryAlloc?(size: number, align: number): number;
  /**
   * Optional, with `deallocHandle`: the allocator's handle for the block the
   * last successful allocation returned (its index in the model's tables).
   */
  readonly lastHandle?: number;
  /**
   * Optional: `dealloc` told the `lastHandle` that `ptr`'s allocation gave,
   * so that the block is found without a lookup (a replay keeps every
   * allocation's handle). The same checks as `dealloc`: a handle that is not
   * `ptr`'s live block is ignored, and the free checked by address.
   */
  deallocHandle?(ptr: number, size: number, align: number, handle: number): void;
  /** The largest free block in bytes, where the allocator can tell (fragmentation reports). */
  largestFreeBlock?(): number;
  /** Frees `ptr`, allocated with the same `size` and `align`. */
  dealloc(ptr: number, size: number, align: number): void;
  /** Total memory managed, in bytes. */
  totalBytes(): number;
  /** Memory allocated, in bytes, as the modelled allocator counts it. */
  usedBytes(): number;
  /** Memory available, in bytes, as the modelled allocator counts it. */
  availableBytes(): number;
}

/**
 * A page-granularity allocator.
 *
 * @example
 * ```ts
 * import { BitmapPageAllocator } from "./bitmap_page_allocator.ts";
 * const a = new BitmapPageAllocator();
 * a.init(0x8040_0000, 0x100_0000);
 * const p = a.allocPages(4, 0x4000);
 * a.deallocPages(p, 4);
 * ```
 */
export interface PageAllocator extends BaseAllocator {
  /** The page size in bytes. */
  readonly pageSize: number;
  /** Allocates `numPages` contiguous pages aligned to `alignPow2` bytes. */
  allocPages(numPages: number, alignPow2: number): number;
  /**
   * Optional: `allocPages` that returns `NO_MEMORY` (-3) instead of throwing
   * `NoMemory` (other errors still throw), as `ByteAllocator.tryAlloc`.
   */
  tryAllocPages?(numPages: number, alignPow2: number): number;
  /** Allocates exactly the pages `[base, base + numPages pages)`. */
  allocPagesAt(base: number, numPages: number, alignPow2: number): number;
  /** Optional: `allocPagesAt` that returns `NO_MEMORY` (-3) instead of throwing `NoMemory`. */
  tryAllocPagesAt?(base: number, numPages: number, alignPow2: number): number;
  /** Frees `numPages` pages starting at `pos`. */
  deallocPages(pos: number, numPages: number): void;
  /** Number of pages managed. */
  totalPages(): number;
  /** Number of pages allocated. */
  usedPages(): number;
  /** Number of pages available. */
  availablePages(): number;
  /** The longest run of free pages, where the allocator can tell (fragmentation reports). */
  largestFreeBlock?(): number;
}

/**
 * An allocator of unique integer IDs (thread IDs, ASIDs, ...).
 *
 * @example
 * ```ts
 * import { BitmapIdAllocator } from "./bitmap_id_allocator.ts";
 * const ids = new BitmapIdAllocator();
 * ids.init(1, 1000);
 * const tid = ids.allocId(1, 1);
 * console.log(ids.isAllocated(tid)); // true
 * ```
 */
export interface IdAllocator extends BaseAllocator {
  /** Allocates `count` contiguous IDs, the first a multiple of `alignPow2`. */
  allocId(count: number, alignPow2: number): number;
  /**
   * Optional: `allocId` that returns `NO_MEMORY` (-3) instead of throwing
   * `NoMemory` (other errors still throw), as `ByteAllocator.tryAlloc`.
   */
  tryAllocId?(count: number, alignPow2: number): number;
  /** Optional: `allocFixedId` answering `false` instead of throwing `NoMemory`. */
  tryAllocFixedId?(id: number): boolean;
  /** Frees `count` IDs starting at `startId`. */
  deallocId(startId: number, count: number): void;
  /** Whether `id` is allocated. */
  isAllocated(id: number): boolean;
  /** Marks `id` allocated; throws `NoMemory` if it already is. */
  allocFixedId(id: number): void;
  /** How many IDs there are. */
  size(): number;
  /** How many IDs are allocated. */
  used(): number;
  /** How many IDs are free. */
  available(): number;
}

/**
 * An allocator whose managed memory is real bytes of its own (a
 * WebAssembly module's linear memory): its bookkeeping lives in the free
 * blocks, so the bytes of a block are the simulated memory there.
 *
 * @example
 * ```ts
 * import type { ManagedMemory } from "./traits.ts";
 * function firstByte(a: ManagedMemory, block: number): number | undefined {
 *   return a.managedBytes(block, 1)?.[0];
 * }
 * ```
 */
export interface ManagedMemory {
  /**
   * A live view of `[start, start + size)` when the allocator manages all
   * of it, else `undefined`. The view is only good until the next call.
   */
  managedBytes(start: number, size: number): Uint8Array | undefined;
  /** Told of each region the allocator is given, once it holds its bytes. */
  onRegion: ((start: number, size: number) => void) | undefined;
}

/**
 * Whether `allocator` manages real bytes of its own ({@linkcode ManagedMemory}).
 *
 * @example
 * ```ts
 * import { hasManagedMemory } from "./traits.ts";
 * console.log(hasManagedMemory({})); // false
 * ```
 */
export function hasManagedMemory(allocator: object): allocator is ManagedMemory {
  return typeof (allocator as Partial<ManagedMemory>).managedBytes === "function";
}
