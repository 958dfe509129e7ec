/**
 * The allocator registry: every allocator model mmsim has, in one table.
 * The command lines, `new_allocator`, `kernel byte_allocator`, replay's
 * names (with the `global:*` compositions) and the conformance targets are
 * all derived from it, so a new allocator is one file and one row.
 *
 * @module
 */

import type { ByteAllocator, IdAllocator, PageAllocator } from "./allocator/traits.ts";
import { BitmapIdAllocator } from "./allocator/bitmap_id_allocator.ts";
import { type BitmapCapacity, BitmapPageAllocator } from "./allocator/bitmap_page_allocator.ts";
import { BuddyByteAllocator } from "./allocator/buddy_byte_allocator.ts";
import { SlabByteAllocator } from "./allocator/slab_byte_allocator.ts";
import { TlsfByteAllocator } from "./allocator/tlsf_byte_allocator.ts";
import type { PointerWidth } from "./allocator/layout.ts";

/** The ArceOS `allocator` crate interface an allocator implements. */
export type AllocatorInterface = "ByteAllocator" | "PageAllocator" | "IdAllocator";

/** What a registry row's constructor may be told. */
export interface AllocatorOptions {
  /** A page allocator's capacity feature (`256m` by default). */
  capacity?: BitmapCapacity;
  /**
   * A byte allocator's target pointer size: 8 (64-bit, the default) or 4
   * (32-bit, as an allocator built for wasm32 sees it).
   */
  pointerWidth?: PointerWidth;
}

/** One allocator model. */
export interface AllocatorEntry {
  /** Its name on every command line and in scripts (`tlsf`). */
  readonly name: string;
  /** The interface it implements. */
  readonly interface: AllocatorInterface;
  /** The real code it models (for `--help` and the docs). */
  readonly models: string;
  /** Whether axalloc's global allocator can be built with it (byte allocators). */
  readonly global: boolean;
  /** A fresh, uninitialised instance. */
  create(options?: AllocatorOptions): ByteAllocator | PageAllocator | IdAllocator;
}

/**
 * Every allocator model. The byte allocators come first, the global
 * allocator's default (`tlsf`, as ArceOS's default build) at the head.
 */
export const ALLOCATORS = [
  {
    name: "tlsf",
    interface: "ByteAllocator",
    models: "rlsf::Tlsf<'static, u32, u32, 28, 32> (rlsf 0.2.1), allocator 0.1.2",
    global: true,
    create: (options?: AllocatorOptions): ByteAllocator =>
      new TlsfByteAllocator({ pointerWidth: options?.pointerWidth }),
  },
  {
    name: "slab",
    interface: "ByteAllocator",
    models: "ArceOS slab_allocator 0.3.1 over buddy_system_allocator 0.10",
    global: true,
    create: (options?: AllocatorOptions): ByteAllocator =>
      new SlabByteAllocator({ pointerWidth: options?.pointerWidth }),
  },
  {
    name: "buddy",
    interface: "ByteAllocator",
    models: "buddy_system_allocator::Heap<32>, allocator 0.1.2",
    global: true,
    create: (options?: AllocatorOptions): ByteAllocator =>
      new BuddyByteAllocator({ pointerWidth: options?.pointerWidth }),
  },
  {
    name: "bitmap",
    interface: "PageAllocator",
    models: "BitmapPageAllocator<4096> (bitmap-allocator 0.2.1), allocator 0.1.2",
    global: false,
    create: (options?: AllocatorOptions): PageAllocator =>
      new BitmapPageAllocator({ capacity: options?.capacity }),
  },
  {
    name: "id",
    interface: "IdAllocator",
    models: "BitmapIdAllocator, allocator 0.1.2",
    global: false,
    create: (): IdAllocator => new BitmapIdAllocator(),
  },
] as const satisfies readonly AllocatorEntry[];

/** The names of the byte allocators axalloc's global allocator can be built with. */
export type ByteAllocatorKind = Extract<(typeof ALLOCATORS)[number], { global: true }>["name"];

/** Every {@linkcode ByteAllocatorKind}, the default first. */
export const BYTE_ALLOCATOR_KINDS: readonly ByteAllocatorKind[] = ALLOCATORS
  .filter((a): a is Extract<(typeof ALLOCATORS)[number], { global: true }> => a.global)
  .map((a) => a.name);

/**
 * The registry row of `name`, if there is one.
 *
 * @example
 * ```ts
 * import { allocatorEntry } from "./registry.ts";
 * const heap = allocatorEntry("buddy")!.create();
 * console.log(allocatorEntry("buddy")!.interface); // ByteAllocator
 * ```
 */
export function allocatorEntry(name: string): AllocatorEntry | undefined {
  return (ALLOCATORS as readonly AllocatorEntry[]).find((a) => a.name === name);
}

/**
 * Whether `name` names a byte allocator the global allocator can use.
 *
 * @example
 * ```ts
 * import { isByteAllocatorKind } from "./registry.ts";
 * console.log(isByteAllocatorKind("slab"), isByteAllocatorKind("bitmap")); // true false
 * ```
 */
export function isByteAllocatorKind(name: string): name is ByteAllocatorKind {
  return (BYTE_ALLOCATOR_KINDS as readonly string[]).includes(name);
}

/**
 * A fresh byte allocator of a kind the global allocator can use.
 *
 * @example
 * ```ts
 * import { createByteAllocator } from "./registry.ts";
 * const heap = createByteAllocator("buddy");
 * heap.init(0x8000_0000, 0x8000);
 * ```
 */
export function createByteAllocator(
  kind: ByteAllocatorKind,
  options?: AllocatorOptions,
): ByteAllocator {
  return allocatorEntry(kind)!.create(options) as ByteAllocator;
}

/**
 * The names replay drives: every model but `id`, each `global:*`
 * composition, and ArceOS 2026's `ax-alloc-tlsf` and `ax-alloc-buddy-slab`
 * global allocators.
 */
export const REPLAY_ALLOCATORS: readonly string[] = [
  ...ALLOCATORS.filter((a) => a.interface !== "IdAllocator").map((a) => a.name),
  ...BYTE_ALLOCATOR_KINDS.map((k) => `global:${k}`),
  "ax-alloc-tlsf",
  "ax-alloc-buddy-slab",
];
