/**
 * The allocators and kernel memory APIs, without the language: models of
 * the ArceOS `allocator` crate (bitmap, buddy, slab, TLSF, ID) and their
 * registry, axalloc (the global allocator, `GlobalPage`, the tutorial's
 * early allocator and the two-stage boot), axdma, and DragonOS's kmalloc,
 * zoned pages and page tables; the KASAN-style sanitizer and kmemleak-style
 * leak check. Loads no npm package.
 *
 * @example
 * ```ts
 * import { TlsfByteAllocator } from "@mmsim/mmsim/allocators";
 * const heap = new TlsfByteAllocator();
 * heap.init(0x8040_0000, 0x10_0000);
 * console.log(heap.alloc(100, 8).toString(16)); // 80400010
 * ```
 *
 * @module
 */

export * from "./kernel_panic.ts";
export * from "./registry.ts";
export * from "./allocator/alloc_error.ts";
export * from "./allocator/traits.ts";
export * from "./allocator/layout.ts";
export * from "./wasm/wasm_module.ts";
export * from "./wasm/linear_memory.ts";
export * from "./wasm/wasm_instance.ts";
export * from "./wasm/wasm_byte_allocator.ts";
export * from "./wasm/wasm_page_allocator.ts";
export * from "./allocator/address_map.ts";
export * from "./allocator/bit_allocator.ts";
export * from "./allocator/bitmap_page_allocator.ts";
export * from "./allocator/bitmap_id_allocator.ts";
export * from "./allocator/buddy_heap.ts";
export * from "./allocator/buddy_byte_allocator.ts";
export * from "./allocator/slab_byte_allocator.ts";
export * from "./allocator/tlsf_byte_allocator.ts";
export * from "./axalloc/global_allocator.ts";
export * from "./axalloc/tlsf_global_allocator.ts";
export * from "./axalloc/buddy_slab_global_allocator.ts";
export * from "./axalloc/usages.ts";
export * from "./axalloc/buddy_slab_reports.ts";
export * from "./axalloc/arceos_profile.ts";
export * from "./buddy_slab/buddy_pages.ts";
export * from "./buddy_slab/slab_cache.ts";
export * from "./axalloc/early_allocator.ts";
export * from "./axalloc/kernel_memory.ts";
export * from "./axalloc/global_page.ts";
export * from "./axdma/dma.ts";
export * from "./dragonos/zoned_pages.ts";
export * from "./dragonos/kmalloc.ts";
export * from "./dragonos/pte_format.ts";
export * from "./dragonos/page_table.ts";
export * from "./dragonos/dragon_memory.ts";
export * from "./dragonos/reports.ts";
export * from "./kasan/shadow.ts";
export * from "./kasan/report.ts";
export * from "./kasan/leak_check.ts";
