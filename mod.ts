/**
 * mmsim: a kernel memory-management simulator.
 *
 * This entry point has everything. Narrower ones load only what they hold:
 * `@mmsim/mmsim/machine` (the simulated machine, `hal/`),
 * `@mmsim/mmsim/allocators` (the allocators and kernel memory APIs, `mm/`;
 * no npm package), `@mmsim/mmsim/trace` (trace format, replay, recorder)
 * `@mmsim/mmsim/language` (the `.mms` language and its runtime; loads
 * Chevrotain) and `@mmsim/mmsim/conformance` (the contract suite and its runner).
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

export * from "./hal/mod.ts";
export * from "./mm/mod.ts";
export * from "./trace/mod.ts";
export * from "./runtime/mod.ts";
export * from "./conformance/mod.ts";
