/**
 * A user's page allocator compiled to WebAssembly (the `page_*` exports of
 * ABI version 1, 4 KiB pages), as a {@linkcode PageAllocator}.
 *
 * @module
 */

import { hex } from "../../hal/int.ts";
import { AllocError } from "../allocator/alloc_error.ts";
import type { ManagedMemory, PageAllocator } from "../allocator/traits.ts";
import { WasmInstance } from "./wasm_instance.ts";
import type { WasmAllocatorModule } from "./wasm_module.ts";

/** The page size of ABI version 1. */
export const WASM_PAGE_SIZE = 4096;

/**
 * The page allocator of one fresh instance of `module`.
 *
 * @example
 * ```ts ignore
 * import { loadWasmAllocator } from "./wasm_module.ts";
 * import { WasmPageAllocator } from "./wasm_page_allocator.ts";
 * const m = loadWasmAllocator(Deno.readFileSync("examples/wasm/bitmap_pages.wasm"), "bitmap_pages.wasm");
 * const a = new WasmPageAllocator(m);
 * a.init(0x8040_0000, 0x100_0000);
 * console.log(a.allocPages(2, 4096).toString(16)); // 80400000
 * ```
 */
export class WasmPageAllocator implements PageAllocator, ManagedMemory {
  /** The module's path. */
  readonly path: string;
  /** 4 (wasm32) or 8 (memory64). */
  readonly pointerWidth: 4 | 8;
  /** Always 4096 (ABI version 1). */
  readonly pageSize: number = WASM_PAGE_SIZE;
  /** Told of each region once the module holds it. */
  onRegion: ((start: number, size: number) => void) | undefined;
  readonly #w: WasmInstance;

  /** A fresh instance of `module`, which must export the page family. */
  constructor(module: WasmAllocatorModule) {
    if (!module.families.includes("PageAllocator")) {
      throw new TypeError(`${module.path} exports no page allocator (page_*)`);
    }
    this.#w = new WasmInstance(module);
    this.path = module.path;
    this.pointerWidth = module.pointerWidth;
  }

  /** `page_init` over the region, placed in the module's memory. */
  init(start: number, size: number): void {
    this.#w.giveRegion("page", false, start, size, this.onRegion);
  }

  /** `page_add_memory`; a non-zero answer is the error it names. */
  addMemory(start: number, size: number): void {
    this.#w.giveRegion("page", true, start, size, this.onRegion);
  }

  /** `page_alloc_pages`: the first page, or the error `last_error()` names. */
  allocPages(numPages: number, alignPow2: number): number {
    const args = this.#args(numPages, alignPow2);
    return this.#w.allocate("page_alloc_pages", args, numPages * WASM_PAGE_SIZE);
  }

  /**
   * {@linkcode WasmPageAllocator.allocPages} that answers `NoMemory` with
   * `NO_MEMORY` (-3) instead of an exception (other errors still throw).
   */
  tryAllocPages(numPages: number, alignPow2: number): number {
    const args = this.#args(numPages, alignPow2);
    return this.#w.tryAllocate("page_alloc_pages", args, numPages * WASM_PAGE_SIZE);
  }

  /**
   * `page_alloc_pages_at`: `base` is translated as the nearest region's
   * addresses are, so that the module judges a base it does not manage.
   */
  allocPagesAt(base: number, numPages: number, alignPow2: number): number {
    const w = this.#w;
    const at = w.regions.toLinearNear(base);
    if (at < 0) {
      throw new AllocError("NoMemory", {
        address: base,
        reason: `${hex(base)} is far outside the memory ${this.path} manages`,
      });
    }
    const args = [at, ...this.#args(numPages, alignPow2)];
    return w.allocate("page_alloc_pages_at", args, numPages * WASM_PAGE_SIZE);
  }

  /** `page_dealloc_pages`; pages outside the managed memory are `NotAllocated`, never passed on. */
  deallocPages(pos: number, numPages: number): void {
    this.#w.call("page_dealloc_pages", [this.#w.freeTarget(pos), numPages]);
  }

  /** `page_total_pages()`. */
  totalPages(): number {
    return this.#w.call("page_total_pages", []);
  }

  /** `page_used_pages()`. */
  usedPages(): number {
    return this.#w.call("page_used_pages", []);
  }

  /** `page_available_pages()`. */
  availablePages(): number {
    return this.#w.call("page_available_pages", []);
  }

  /** A live view of managed bytes (see {@linkcode ManagedMemory}). */
  managedBytes(start: number, size: number): Uint8Array | undefined {
    return this.#w.regions.bytes(start, size);
  }

  #args(numPages: number, alignPow2: number): number[] {
    const max = this.#w.maxWord;
    if (
      !Number.isSafeInteger(numPages) || numPages < 0 || numPages > max ||
      !Number.isSafeInteger(alignPow2) || alignPow2 <= 0 || alignPow2 > max
    ) {
      throw new AllocError("InvalidParam", {
        reason: `${numPages} pages aligned to ${alignPow2} do not fit a ${
          8 * this.pointerWidth
        }-bit target`,
      });
    }
    return [numPages, alignPow2];
  }
}
