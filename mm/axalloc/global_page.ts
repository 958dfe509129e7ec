/**
 * axalloc's `GlobalPage`: contiguous 4 KiB pages from the global allocator,
 * freed when released (or at the end of a `using` scope), with views of the
 * simulated RAM behind them.
 *
 * @module
 */

import { SimError } from "../../hal/sim_error.ts";
import type { PhysAddr, VirtAddr } from "../../hal/address.ts";
import { MemoryView } from "../../hal/physical_memory.ts";
import { isAllocError } from "../allocator/alloc_error.ts";
import { GLOBAL_PAGE_SIZE } from "./global_allocator.ts";
import type { KernelMemory } from "./kernel_memory.ts";

/** The `axerrno` errors `GlobalPage` returns. */
export type AxErrorKind = "NoMemory" | "InvalidInput";

/**
 * An `AxError`: `GlobalPage` turns the allocator's `NoMemory` into
 * `NoMemory` and every other `AllocError` into `InvalidInput`.
 */
export class AxError extends SimError {
  /** The codes of this class: the variants. */
  static readonly codes: readonly string[] = ["NoMemory", "InvalidInput"];
  /** The error class's name. */
  override readonly name = "AxError";
  /** The `AxError` variant. */
  readonly kind: AxErrorKind;
  /** Creates the error. */
  constructor(kind: AxErrorKind, message: string) {
    super(kind, `${kind}: ${message}`);
    this.kind = kind;
  }
}

/** A `GlobalPage` used after it was released. */
export class PageReleasedError extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["UseAfterFree"];
  /** The error class's name. */
  override readonly name = "PageReleasedError";
  /** The page's start address. */
  readonly address: VirtAddr;
  /** Creates the error. */
  constructor(address: VirtAddr, what: string) {
    super(
      "UseAfterFree",
      `GlobalPage at 0x${address.toString(16)} was released; ${what} is a use after free`,
    );
    this.address = address;
  }
}

/**
 * `GlobalPage`: owned pages.
 *
 * @example
 * ```ts
 * import { KernelMemory } from "./kernel_memory.ts";
 * import { GlobalPage } from "./global_page.ts";
 * const k = new KernelMemory();
 * k.finalInit();
 * {
 *   using page = GlobalPage.allocZero(k);
 *   page.asMutSlice().set(0, 0xaa);
 *   console.log(k.ram.read8(page.startPaddr())); // 170
 * } // released here
 * ```
 */
export class GlobalPage {
  readonly #kernel: KernelMemory;
  readonly #start: VirtAddr;
  readonly #numPages: number;
  #released = false;

  private constructor(kernel: KernelMemory, start: VirtAddr, numPages: number) {
    this.#kernel = kernel;
    this.#start = start;
    this.#numPages = numPages;
  }

  /** `GlobalPage::alloc()`: one page. */
  static alloc(kernel: KernelMemory): GlobalPage {
    return GlobalPage.allocContiguous(kernel, 1, GLOBAL_PAGE_SIZE);
  }

  /** `GlobalPage::alloc_zero()`: one zeroed page. */
  static allocZero(kernel: KernelMemory): GlobalPage {
    const p = GlobalPage.alloc(kernel);
    p.zero();
    return p;
  }

  /** `GlobalPage::alloc_contiguous(n, align)`. */
  static allocContiguous(kernel: KernelMemory, numPages: number, alignPow2: number): GlobalPage {
    try {
      return new GlobalPage(kernel, kernel.allocPages(numPages, alignPow2), numPages);
    } catch (e) {
      if (isAllocError(e)) {
        throw new AxError(e.kind === "NoMemory" ? "NoMemory" : "InvalidInput", e.message);
      }
      throw e;
    }
  }

  /** Whether the pages were released. */
  get released(): boolean {
    return this.#released;
  }

  /** `start_vaddr()`. */
  startVaddr(): VirtAddr {
    this.#check("start_vaddr");
    return this.#start;
  }

  /** `start_paddr(virt_to_phys)`, the platform's linear mapping by default. */
  startPaddr(virtToPhys: (v: VirtAddr) => PhysAddr = (v) => this.#kernel.virtToPhys(v)): PhysAddr {
    this.#check("start_paddr");
    return virtToPhys(this.#start);
  }

  /** `size()`: pages times 4096. */
  size(): number {
    this.#check("size");
    return this.#numPages * GLOBAL_PAGE_SIZE;
  }

  /** `fill(byte)`: writes `byte` over the pages in simulated RAM. */
  fill(byte: number): void {
    this.asMutSlice().fill(byte);
  }

  /** `zero()`. */
  zero(): void {
    this.fill(0);
  }

  /** `as_slice()`: a read-only live view of the pages. */
  asSlice(): MemoryView {
    return this.#view(false);
  }

  /** `as_mut_slice()`: a writable live view of the pages. */
  asMutSlice(): MemoryView {
    return this.#view(true);
  }

  /** Frees the pages (`drop`). Releasing twice is an error. */
  release(): void {
    this.#check("release");
    this.#released = true;
    this.#kernel.deallocPages(this.#start, this.#numPages);
  }

  /** Releases at the end of a `using` scope (unless already released). */
  [Symbol.dispose](): void {
    if (!this.#released) this.release();
  }

  #view(writable: boolean): MemoryView {
    this.#check(writable ? "as_mut_slice" : "as_slice");
    return new MemoryView(this.#kernel.ram, this.startPaddr(), this.size(), {
      writable,
      guard: () => this.#check("access through a slice"),
    });
  }

  #check(what: string): void {
    if (this.#released) throw new PageReleasedError(this.#start, what);
  }
}
