/**
 * mmsim: a kernel memory-management simulator.
 *
 * The simulated machine (`hal/`): platforms, the memory map, sparse
 * physical RAM and exact 64-bit addresses. The allocators and kernel memory
 * APIs (`mm/`): models of the ArceOS `allocator` crate (bitmap, buddy, slab,
 * TLSF), axalloc, axdma, the tutorial's early allocator, and DragonOS's
 * kmalloc, zoned pages and page tables, giving the same addresses, errors
 * and statistics as the code they model. The `.mms` language (`dsl/`) and
 * its runtime, trace replay and conformance suite (`runtime/`).
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
export * from "./mm/allocator/alloc_error.ts";
export type * from "./mm/allocator/traits.ts";
export * from "./mm/allocator/address_map.ts";
export * from "./mm/allocator/bit_allocator.ts";
export * from "./mm/allocator/bitmap_page_allocator.ts";
export * from "./mm/allocator/bitmap_id_allocator.ts";
export * from "./mm/allocator/buddy_heap.ts";
export * from "./mm/allocator/buddy_byte_allocator.ts";
export * from "./mm/allocator/slab_byte_allocator.ts";
export * from "./mm/allocator/tlsf_byte_allocator.ts";
export * from "./mm/axalloc/global_allocator.ts";
export * from "./trace/trace.ts";
export * from "./trace/replay.ts";
export * from "./mm/axalloc/early_allocator.ts";
export * from "./mm/axalloc/kernel_memory.ts";
export * from "./mm/axalloc/global_page.ts";
export * from "./mm/axdma/dma.ts";
export * from "./mm/dragonos/zoned_pages.ts";
export * from "./mm/dragonos/kmalloc.ts";
export * from "./mm/dragonos/pte_format.ts";
export * from "./mm/dragonos/page_table.ts";
export * from "./mm/dragonos/dragon_memory.ts";
export * from "./mm/dragonos/reports.ts";
export type * from "./dsl/ast.ts";
export * from "./dsl/parser.ts";
export * from "./dsl/check.ts";
export * from "./dsl/walk.ts";
export * from "./dsl/diagnostics.ts";
export * from "./runtime/values.ts";
export * from "./runtime/errors.ts";
export * from "./runtime/world.ts";
export * from "./runtime/loader.ts";
export * from "./runtime/interpreter.ts";
export * from "./runtime/builtins.ts";
export * from "./trace/recorder.ts";
export * from "./conformance/runner.ts";
