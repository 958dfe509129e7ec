/**
 * ArceOS's global allocator as `ax-alloc` 0.8 builds it with feature
 * `tlsf` (`src/tlsf_impl.rs`, tgoskits 2026): one rlsf
 * `Tlsf<'static, u32, u32, 28, 32>` holds every region and serves both
 * bytes and pages; no bitmap page allocator and no grow-on-miss.
 *
 * - `init` and `add_memory` insert the region as a pool (a region too
 *   small for one: `init` unwraps and panics, `add_memory` is
 *   `InvalidParam`); the total counts each region's full size.
 * - `alloc(layout)` is rlsf's `allocate`; `alloc_pages(n, align)` allocates
 *   `n * 4096` bytes aligned to `max(align, 4096)` (a layout that cannot be
 *   made is `InvalidParam`); `dealloc_pages` frees at alignment 4096.
 * - `used_bytes` is the sum of the live layouts' sizes (page blocks
 *   `n * 4096`), `available_bytes` the total less that (saturating), pages
 *   the bytes / 4096.
 * - `usages()`: a byte allocation counts as `RustHeap`; `alloc_pages`
 *   counts its bytes under the caller's kind unless that is `RustHeap`,
 *   and `dealloc_pages` takes them off the kind it is told (as the real
 *   code does, even `RustHeap`).
 * - `alloc_dma32_pages` and `alloc_pages_at` are `unimplemented!()`: a
 *   {@linkcode KernelPanic}.
 *
 * Addresses are numbers local to the caller's window, as for every model.
 *
 * @module
 */

import { AllocError } from "../allocator/alloc_error.ts";
import { TlsfByteAllocator } from "../allocator/tlsf_byte_allocator.ts";
import { KernelPanic } from "../kernel_panic.ts";
import { type UsageKind, Usages } from "./usages.ts";

const PAGE = 4096;

/**
 * `ax_alloc::GlobalAllocator` in `tlsf` mode.
 *
 * @example
 * ```ts
 * import { TlsfGlobalAllocator } from "./tlsf_global_allocator.ts";
 * const g = new TlsfGlobalAllocator();
 * g.init(0x8040_0000, 0x10_0000);
 * const p = g.allocPages(2, 4096);
 * console.log(p % 4096, g.usedPages()); // 0 2
 * ```
 */
export class TlsfGlobalAllocator {
  readonly #tlsf = new TlsfByteAllocator();

  /**
   * The TLSF underneath: its used bytes are the live layouts' sizes, page
   * blocks `n * 4096`, exactly `used_bytes` (a replay drives its byte
   * allocations through it directly).
   */
  get bytes(): TlsfByteAllocator {
    return this.#tlsf;
  }
  #total = 0;
  /**
   * The page blocks' usages (a byte allocation's `RustHeap` bytes are
   * counted when asked: the TLSF's used bytes less the page blocks'), so
   * that a replay driving the TLSF directly keeps them too.
   */
  readonly #usages = new Usages();
  /** Bytes of live page blocks, of every kind. */
  #pageBytes = 0;
  /** Each live page block's alignment as allocated (rlsf finds the header the same way for any alignment past its granularity). */
  readonly #pageAlign = new Map<number, number>();

  /** The allocator's name, as `GlobalAllocator::name` says it. */
  get name(): string {
    return "TLSF";
  }

  /** `init(start, size)`: the first pool; a region too small for one panics (`.unwrap()`). */
  init(start: number, size: number): void {
    try {
      this.#tlsf.init(start, size);
    } catch (e) {
      if (e instanceof AllocError) {
        throw new KernelPanic("called `Option::unwrap()` on a `None` value");
      }
      throw e;
    }
    this.#total = size;
  }

  /** `add_memory(start, size)`: another pool; one too small for a pool is `InvalidParam`. */
  addMemory(start: number, size: number): void {
    this.#tlsf.addMemory(start, size);
    this.#total += size;
  }

  /** `alloc(layout)`: rlsf's `allocate`; `NoMemory` when nothing fits. */
  alloc(size: number, align: number): number {
    return this.#tlsf.alloc(size, align);
  }

  /** `dealloc(ptr, layout)`. */
  dealloc(ptr: number, size: number, align: number): void {
    this.#tlsf.dealloc(ptr, size, align);
  }

  /** `alloc_pages(n, align, kind)`: `n * 4096` bytes aligned to `max(align, 4096)`. */
  allocPages(numPages: number, alignment: number, kind: UsageKind = "Global"): number {
    const size = numPages * PAGE;
    const align = Math.max(alignment, PAGE);
    const p = this.#tlsf.alloc(size, align);
    this.#pageAlign.set(p, align);
    if (kind !== "RustHeap") this.#usages.alloc(kind, size);
    this.#pageBytes += size;
    return p;
  }

  /** `dealloc_pages(pos, n, kind)`. */
  deallocPages(pos: number, numPages: number, kind: UsageKind = "Global"): void {
    const size = numPages * PAGE;
    const align = this.#pageAlign.get(pos) ?? PAGE;
    this.#tlsf.dealloc(pos, size, align);
    this.#pageAlign.delete(pos);
    this.#usages.dealloc(kind, size);
    this.#pageBytes -= size;
  }

  /** `alloc_dma32_pages`: not in this mode. */
  allocDma32Pages(_numPages: number, _alignment: number): number {
    throw new KernelPanic("not implemented: TLSF allocator does not support alloc_dma32_pages");
  }

  /** `alloc_pages_at`: not in this mode. */
  allocPagesAt(_base: number, _numPages: number, _alignment: number): number {
    throw new KernelPanic("not implemented: TLSF allocator does not support alloc_pages_at");
  }

  /** Bytes in use by kind (`usages()`: a copy, as the real one returns). */
  usages(): Usages {
    const u = this.#usages.copy();
    u.allocHeap(this.#tlsf.usedBytes() - this.#pageBytes);
    return u;
  }

  /** The largest free block's bytes. */
  largestFreeBlock(): number {
    return this.#tlsf.largestFreeBlock();
  }

  /** Bytes given to `init` and `add_memory`. */
  totalBytes(): number {
    return this.#total;
  }

  /** Bytes of the live layouts. */
  usedBytes(): number {
    return this.#tlsf.usedBytes();
  }

  /** The regions' bytes less the used ones (never below 0). */
  availableBytes(): number {
    return Math.max(0, this.#total - this.#tlsf.usedBytes());
  }

  /** {@linkcode TlsfGlobalAllocator.usedBytes} in whole pages. */
  usedPages(): number {
    return Math.floor(this.usedBytes() / PAGE);
  }

  /** {@linkcode TlsfGlobalAllocator.availableBytes} in whole pages. */
  availablePages(): number {
    return Math.floor(this.availableBytes() / PAGE);
  }
}
