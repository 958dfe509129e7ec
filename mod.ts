/**
 * mmsim: a kernel memory-management simulator.
 *
 * The simulated machine (`hal/`): platforms, the memory map, sparse
 * physical RAM and exact 64-bit addresses. The allocator library (`mm/`):
 * models of the ArceOS `allocator` crate's bitmap page allocator and buddy,
 * slab and TLSF byte allocators, which give the same addresses, errors and
 * statistics as the Rust code. The trace replay (`runtime/`).
 *
 * @example Allocate from a TLSF heap
 * ```ts
 * import { TlsfByteAllocator } from "./mod.ts";
 * const heap = new TlsfByteAllocator();
 * heap.init(0x8040_0000, 0x10_0000);
 * const p = heap.alloc(64, 8);
 * heap.dealloc(p, 64, 8);
 * console.log(heap.usedBytes()); // 0
 * ```
 *
 * @module
 */

export * from "./hal/int.ts";
export * from "./hal/address.ts";
export * from "./hal/platform.ts";
export * from "./hal/memory_map.ts";
export * from "./hal/physical_memory.ts";
export * from "./mm/alloc_error.ts";
export type * from "./mm/allocator.ts";
export * from "./mm/address_map.ts";
export * from "./mm/bit_allocator.ts";
export * from "./mm/bitmap_page_allocator.ts";
export * from "./mm/bitmap_id_allocator.ts";
export * from "./mm/buddy_heap.ts";
export * from "./mm/buddy_byte_allocator.ts";
export * from "./mm/slab_byte_allocator.ts";
export * from "./mm/tlsf_byte_allocator.ts";
export * from "./mm/global_allocator.ts";
export * from "./runtime/trace.ts";
export * from "./runtime/replay.ts";
export * from "./mm/early_allocator.ts";
export * from "./mm/kernel_memory.ts";
export * from "./mm/global_page.ts";
export * from "./mm/dma.ts";
export * from "./mm/dragonos/zoned_pages.ts";
export * from "./mm/dragonos/kmalloc.ts";
export * from "./mm/dragonos/pte_format.ts";
export * from "./mm/dragonos/page_table.ts";
export * from "./mm/dragonos/dragon_memory.ts";
export * from "./mm/dragonos/reports.ts";
