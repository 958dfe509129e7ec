/**
 * ArceOS `axalloc::GlobalAllocator`: one byte allocator (TLSF, slab or
 * buddy) in front of a `BitmapPageAllocator<4096>`, the byte heap growing
 * from the page allocator on every miss.
 *
 * Addresses are numbers as everywhere in `mm/`; the kernel layer places the
 * allocator in an `AddressWindow` to work on kernel virtual addresses.
 *
 * @module
 */

import { nextPowerOfTwo } from "../../hal/int.ts";
import { AllocError, isAllocError, NO_MEMORY } from "../allocator/alloc_error.ts";
import type { ByteAllocator, PageAllocator } from "../allocator/traits.ts";
import { type BitmapCapacity, BitmapPageAllocator } from "../allocator/bitmap_page_allocator.ts";
import { checkLayout, type PointerWidth } from "../allocator/layout.ts";
import { type ByteAllocatorKind, createByteAllocator } from "../registry.ts";

/** The page size of the global allocator's page allocator. */
export const GLOBAL_PAGE_SIZE = 4096;
/** The initial byte heap: 32 KiB (`MIN_HEAP_SIZE`). */
export const MIN_HEAP_SIZE = 0x8000;

/** Options of {@linkcode GlobalAllocator}. */
export interface GlobalAllocatorOptions {
  /** The byte allocator (default `"tlsf"`, as ArceOS's default build). */
  byteAllocator?: ByteAllocatorKind;
  /** The page allocator's capacity feature (default `"256m"`). */
  capacity?: BitmapCapacity;
  /** Called when the byte heap grows: axalloc's "expand heap memory" message. */
  onExpand?: (start: number, size: number) => void;
  /** The byte allocator's target pointer size (8 by default; 4 for a 32-bit target). */
  pointerWidth?: PointerWidth;
  /**
   * A byte allocator of the user's (a WebAssembly module's) in place of
   * `byteAllocator`'s model, with the name `name()` gives.
   */
  userByteAllocator?: { name: string; allocator: ByteAllocator };
  /** A page allocator of the user's (a WebAssembly module's, 4 KiB pages) in place of the bitmap. */
  userPageAllocator?: PageAllocator;
}

/**
 * Watches a global allocator's operations (the `--trace` recorder does):
 * each is reported after it ran, with what it returned or threw.
 */
export interface GlobalAllocatorObserver {
  /** `init(start, size)` succeeded. */
  init(start: number, size: number): void;
  /** `add_memory(start, size)` succeeded. */
  addMemory(start: number, size: number): void;
  /** `alloc(size, align)` gave `result` (an address, or the error it threw). */
  alloc(size: number, align: number, result: number | Error): void;
  /** `alloc_pages(n, align)` gave `result`. */
  allocPages(numPages: number, alignPow2: number, result: number | Error): void;
  /** `dealloc(ptr, size, align)` succeeded. */
  dealloc(ptr: number, size: number, align: number): void;
  /** `dealloc_pages(ptr, n)` succeeded. */
  deallocPages(ptr: number, numPages: number): void;
  /** `alloc_dma32_pages(n, align)` gave `result` (ArceOS 2026). */
  allocDma32Pages?(numPages: number, alignPow2: number, result: number | Error): void;
  /** The calls after this one run on CPU `k` (a kernel on several CPUs). */
  cpu?(k: number): void;
}

/**
 * The global allocator.
 *
 * @example
 * ```ts
 * import { GlobalAllocator } from "./global_allocator.ts";
 * const g = new GlobalAllocator({ byteAllocator: "tlsf" });
 * g.init(0x8040_0000, 0x100_0000);
 * console.log(g.name(), g.heapStart.toString(16), g.usedPages()); // TLSF 80400000 8
 * const big = g.alloc(100_000, 8); // misses, grows the heap from the page allocator
 * g.dealloc(big, 100_000, 8);
 * ```
 */
export class GlobalAllocator {
  /** Which byte allocator this build uses. */
  readonly kind: ByteAllocatorKind;
  /** The byte allocator (`balloc`). */
  readonly balloc: ByteAllocator;
  /** The page allocator (`palloc`): the bitmap, or the user's. */
  readonly palloc: PageAllocator;
  readonly #onExpand: ((start: number, size: number) => void) | undefined;
  #observer: GlobalAllocatorObserver | undefined;
  #heapStart = -1;
  readonly #heapRegions: { start: number; size: number }[] = [];
  readonly #userName: string | undefined;

  /** Creates an uninitialised global allocator. */
  constructor(options: GlobalAllocatorOptions = {}) {
    this.kind = options.byteAllocator ?? "tlsf";
    this.#userName = options.userByteAllocator?.name;
    this.balloc = options.userByteAllocator?.allocator ??
      createByteAllocator(this.kind, { pointerWidth: options.pointerWidth });
    this.palloc = options.userPageAllocator ?? new BitmapPageAllocator({
      pageSize: GLOBAL_PAGE_SIZE,
      capacity: options.capacity ?? "256m",
    });
    this.#onExpand = options.onExpand;
  }

  /** The bitmap page allocator's capacity feature (undefined with a user's page allocator). */
  get pageCapacity(): BitmapCapacity | undefined {
    return this.palloc instanceof BitmapPageAllocator ? this.palloc.capacity : undefined;
  }

  /** Reports every later operation to `observer` (one observer at a time). */
  observe(observer: GlobalAllocatorObserver | undefined): void {
    this.#observer = observer;
  }

  /**
   * `"TLSF"`, `"slab"` or `"buddy"`, as `GlobalAllocator::name` says (a
   * user's byte allocator: its name).
   */
  name(): string {
    return this.#userName ?? (this.kind === "tlsf" ? "TLSF" : this.kind);
  }

  /** The byte heap's regions: the initial 32 KiB, then each expansion (local addresses). */
  get heapRegions(): readonly { start: number; size: number }[] {
    return this.#heapRegions;
  }

  /** Where `init` placed the initial 32 KiB byte heap (-1 before `init`). */
  get heapStart(): number {
    return this.#heapStart;
  }

  /** Whether `init` has run. */
  get initialised(): boolean {
    return this.#heapStart >= 0;
  }

  /**
   * Gives `[start, start + size)` to the page allocator and takes the lowest
   * 32 KiB of it as the initial byte heap. `size` must exceed 32 KiB (the
   * real code asserts; mmsim throws `InvalidParam`).
   */
  init(start: number, size: number): void {
    if (this.initialised) {
      throw new AllocError("InvalidParam", {
        reason: "the global allocator is already initialised",
      });
    }
    if (!(size > MIN_HEAP_SIZE)) {
      throw new AllocError("InvalidParam", {
        address: start,
        reason: `global_init needs more than ${MIN_HEAP_SIZE} bytes, got ${size}`,
      });
    }
    this.palloc.init(start, size);
    const heap = this.palloc.allocPages(MIN_HEAP_SIZE / GLOBAL_PAGE_SIZE, GLOBAL_PAGE_SIZE);
    this.balloc.init(heap, MIN_HEAP_SIZE);
    this.#heapStart = heap;
    this.#heapRegions.push({ start: heap, size: MIN_HEAP_SIZE });
    this.#observer?.init(start, size);
  }

  /** Adds `[start, start + size)` to the byte allocator only. */
  addMemory(start: number, size: number): void {
    this.#requireInit();
    this.balloc.addMemory(start, size);
    this.#observer?.addMemory(start, size);
  }

  /**
   * Allocates bytes; on a miss, grows the byte heap by
   * `max(next_power_of_two(max(total_bytes, size)), 4096)` bytes of pages
   * and retries, until the page allocator runs out (`NoMemory`).
   */
  alloc(size: number, align: number): number {
    const observer = this.#observer;
    if (observer === undefined) return this.#alloc(size, align);
    let p: number;
    try {
      p = this.#alloc(size, align);
    } catch (e) {
      observer.alloc(size, align, e as Error);
      throw e;
    }
    observer.alloc(size, align, p);
    return p;
  }

  /**
   * {@linkcode GlobalAllocator.alloc} that answers `NoMemory` with
   * {@linkcode NO_MEMORY} instead of an exception (other errors still
   * throw): an out-of-memory phase of a replay then costs what its
   * successful allocations do.
   */
  tryAlloc(size: number, align: number): number {
    if (this.#observer !== undefined) return this.#quietly(() => this.alloc(size, align));
    return this.#alloc(size, align, true);
  }

  /**
   * The byte heap's allocation loop: a miss grows the heap from the page
   * allocator and retries. Out of pages, `quiet` answers
   * {@linkcode NO_MEMORY}, and otherwise the page allocator's error is thrown.
   */
  #alloc(size: number, align: number, quiet = false): number {
    this.#requireInit();
    checkLayout(size, align);
    const balloc = this.balloc;
    for (;;) {
      const p = this.#byteHeapAlloc(size, align);
      if (p !== NO_MEMORY) return p;
      const expand = Math.max(
        nextPowerOfTwo(Math.max(balloc.totalBytes(), size)),
        GLOBAL_PAGE_SIZE,
      );
      const pages = expand / GLOBAL_PAGE_SIZE;
      const heap = quiet
        ? this.#tryPages(pages, GLOBAL_PAGE_SIZE)
        : this.palloc.allocPages(pages, GLOBAL_PAGE_SIZE);
      if (heap === NO_MEMORY) return NO_MEMORY;
      this.#onExpand?.(heap, expand);
      balloc.addMemory(heap, expand);
      this.#heapRegions.push({ start: heap, size: expand });
    }
  }

  /** One try of the byte allocator: any `AllocError` is a miss, as any `Err` is in the real loop. */
  #byteHeapAlloc(size: number, align: number): number {
    const balloc = this.balloc;
    try {
      return balloc.tryAlloc !== undefined
        ? balloc.tryAlloc(size, align)
        : balloc.alloc(size, align);
    } catch (e) {
      if (!isAllocError(e)) throw e;
      return NO_MEMORY;
    }
  }

  /** Pages from the page allocator, `NoMemory` answered as {@linkcode NO_MEMORY}. */
  #tryPages(numPages: number, alignPow2: number): number {
    const palloc = this.palloc;
    if (palloc.tryAllocPages !== undefined) return palloc.tryAllocPages(numPages, alignPow2);
    return this.#quietly(() => palloc.allocPages(numPages, alignPow2));
  }

  /** Runs `allocate`, answering a `NoMemory` it throws with {@linkcode NO_MEMORY}. */
  #quietly(allocate: () => number): number {
    try {
      return allocate();
    } catch (e) {
      if (isAllocError(e) && e.kind === "NoMemory") return NO_MEMORY;
      throw e;
    }
  }

  /** Frees bytes allocated with the same layout. */
  dealloc(ptr: number, size: number, align: number): void {
    this.#requireInit();
    this.balloc.dealloc(ptr, size, align);
    this.#observer?.dealloc(ptr, size, align);
  }

  /**
   * {@linkcode GlobalAllocator.allocPages} that answers `NoMemory` with
   * {@linkcode NO_MEMORY} instead of an exception (other errors still throw).
   */
  tryAllocPages(numPages: number, alignPow2: number): number {
    this.#requireInit();
    if (this.#observer !== undefined) {
      return this.#quietly(() => this.allocPages(numPages, alignPow2));
    }
    return this.#tryPages(numPages, alignPow2);
  }

  /** Allocates pages from the page allocator. */
  allocPages(numPages: number, alignPow2: number): number {
    this.#requireInit();
    const observer = this.#observer;
    if (observer === undefined) return this.palloc.allocPages(numPages, alignPow2);
    let p: number;
    try {
      p = this.palloc.allocPages(numPages, alignPow2);
    } catch (e) {
      observer.allocPages(numPages, alignPow2, e as Error);
      throw e;
    }
    observer.allocPages(numPages, alignPow2, p);
    return p;
  }

  /** Allocates the pages at `base` from the page allocator. */
  allocPagesAt(base: number, numPages: number, alignPow2: number): number {
    this.#requireInit();
    return this.palloc.allocPagesAt(base, numPages, alignPow2);
  }

  /** Frees pages. */
  deallocPages(pos: number, numPages: number): void {
    this.#requireInit();
    this.palloc.deallocPages(pos, numPages);
    this.#observer?.deallocPages(pos, numPages);
  }

  /** The byte allocator's used bytes. */
  usedBytes(): number {
    return this.balloc.usedBytes();
  }

  /** The byte allocator's available bytes. */
  availableBytes(): number {
    return this.balloc.availableBytes();
  }

  /** The page allocator's used pages (the byte heap's pages included). */
  usedPages(): number {
    return this.palloc.usedPages();
  }

  /** The page allocator's available pages. */
  availablePages(): number {
    return this.palloc.availablePages();
  }

  #requireInit(): void {
    if (!this.initialised) {
      throw new AllocError("InvalidParam", {
        reason: "the global allocator is not initialised (call global_init first)",
      });
    }
  }
}
