/**
 * ArceOS's global allocator as `ax-alloc` 0.8.13 builds it with feature
 * `buddy-slab` (`src/buddy_slab.rs`, tgoskits 759e69c) over
 * `buddy-slab-allocator` 0.4.6's `GlobalAllocator<4096>`: a buddy page
 * allocator ({@linkcode BuddyPages}, heaps aligned to 2 MiB) and one slab
 * front per CPU ({@linkcode SlabCache}s, axalloc's `#[def_percpu]
 * PercpuSlab`).
 *
 * - `init(start, size)`: the first region (`InvalidParam` when it holds no
 *   2 MiB-aligned page behind its metadata; `AlreadyInitialized` the second
 *   time). `add_memory`: `NotInitialized` before `init`; a region with no
 *   such page is skipped (and succeeds); one overlapping an earlier region
 *   is `MemoryOverlap`.
 * - `alloc(size, align)` with size and alignment at most 2048: an object
 *   of the current CPU's cache of the class; a cache with nothing free
 *   takes a new slab from the buddy (1, 2 or 4 pages aligned to the slab's
 *   size). Larger layouts: `ceil(size / 4096)` pages aligned to
 *   `max(align, 4096)`.
 * - `dealloc` of an object on its slab's owner CPU frees it there (an
 *   emptied slab is cached, one per class, or goes back to the buddy); on
 *   another CPU it goes on the slab's remote-free stack until the owner
 *   drains it.
 * - `alloc_pages(n, align)` is the buddy's (alignment 0 is a page, below a
 *   page `InvalidParam`); `alloc_dma32_pages` takes pages whose physical
 *   end is at most 4 GiB; a failed page allocation is tried once more (no
 *   page reclaimer: it fails the same way). `alloc_pages_at` is
 *   `unimplemented!()`: a {@linkcode KernelPanic}.
 * - `used_bytes` is the buddy's page occupancy (slab pages whole),
 *   `available_bytes` the managed heap less that; pages are bytes / 4096.
 *
 * Frees the real code would silently corrupt itself on (an address that
 * is no live object or block, a layout of another class, a double free,
 * also across CPUs) are `NotAllocated` or `InvalidParam` and change
 * nothing.
 *
 * @module
 */

import { AllocError } from "../allocator/alloc_error.ts";
import { checkLayout } from "../allocator/layout.ts";
import { unboxed } from "../allocator/unboxed_results.ts";
import {
  BuddyPages,
  type BuddyPlacement,
  type BuddyRegionLayout,
} from "../buddy_slab/buddy_pages.ts";
import { keepBuffer, spareBuffer } from "../buddy_slab/spare_buffers.ts";
import {
  SLAB_CLASS_SIZES,
  SLAB_MAX_SIZE,
  SlabCache,
  slabClassOf,
  SlabPage,
  slabPagesOf,
} from "../buddy_slab/slab_cache.ts";
import { KernelPanic } from "../kernel_panic.ts";
import { type UsageKind, Usages } from "./usages.ts";

/** Slab headers of allocators that are done (see `recycle`), for the next ones; at most this many. */
const sparePages: SlabPage[] = [];
/** Per-CPU cache rows allocators that are done handed back (see `recycle`), emptied when taken. */
const spareCacheRows: SlabCache[][] = [];
/** Slab number 0: no slab (never on a list, never written). */
const NO_SLAB = new SlabPage(0, 0, 0);
const MAX_SPARE_PAGES = 4096;
const MAX_SPARE_CACHE_ROWS = 64;
const PAGE = 4096;
/** `REGION_GRANULE`: every heap starts on a 2 MiB boundary. */
const HEAP_ALIGN = 0x20_0000;

// The errors, out of line: alloc and dealloc stay small, so that the replay
// loops inline them whole (V8 inlines by bytecode size).

function notInitialized(what: string): AllocError {
  return new AllocError("NotInitialized", { reason: `${what} before init` });
}

function noObject(): AllocError {
  return new AllocError("NoMemory", { reason: "a new slab had no object" });
}

function notAnObject(ptr: number): AllocError {
  return new AllocError("NotAllocated", {
    address: ptr,
    reason: `0x${ptr.toString(16)} is not an object of a live slab (foreign pointer)`,
  });
}

function wrongClass(ptr: number, slab: SlabPage, cls: number): AllocError {
  return new AllocError("InvalidParam", {
    address: ptr,
    reason: `0x${ptr.toString(16)} is a ${slab.objectSize}-byte object, freed with a layout ` +
      `of the ${SLAB_CLASS_SIZES[cls]}-byte class`,
  });
}

function freeAlready(ptr: number, slab: SlabPage, slot: number): AllocError {
  return new AllocError("NotAllocated", {
    address: ptr,
    reason: `0x${ptr.toString(16)} is free already (double free${
      slab.isRemote(slot) ? ", waiting on its slab's remote-free list" : ""
    })`,
  });
}

function inASlab(addr: number, slab: SlabPage): AllocError {
  return new AllocError("InvalidParam", {
    address: addr,
    reason: `0x${
      addr.toString(16)
    } lies in a ${slab.objectSize}-byte slab, not in a block of pages`,
  });
}

/** Options of {@linkcode BuddySlabGlobalAllocator}. */
export interface BuddySlabOptions extends BuddyPlacement {
  /** CPUs brought up (`init_percpu_slab` on each); default 1, at most 65536. */
  cpus?: number;
}

/** One CPU's cache of one class, as slabinfo shows it. */
export interface PerCpuSlabInfo {
  /** The CPU. */
  cpu: number;
  /** The object size of the class. */
  objectSize: number;
  /** Objects allocated (not free in any bitmap and not waiting remotely). */
  active: number;
  /** Objects of the slabs in all. */
  objects: number;
  /** Slabs on the partial, full and empty lists. */
  partial: number;
  /** Slabs with no free object. */
  full: number;
  /** Empty slabs cached (at most one). */
  empty: number;
  /** Objects freed on other CPUs, waiting for this CPU to drain them. */
  remotePending: number;
  /** Remote frees this cache has drained, ever. */
  drained: number;
  /** Pages of its slabs. */
  pages: number;
}

/**
 * `ax_alloc::GlobalAllocator` in `buddy-slab` mode, on `cpus` CPUs.
 *
 * @example
 * ```ts
 * import { BuddySlabGlobalAllocator } from "./buddy_slab_global_allocator.ts";
 * const g = new BuddySlabGlobalAllocator({ cpus: 2 });
 * g.init(0x8040_0000, 0x80_0000);
 * const p = g.alloc(64, 8); // CPU 0's 64-byte cache
 * g.cpu = 1;
 * g.dealloc(p, 64, 8); // a remote free: parked on the slab until CPU 0 drains it
 * console.log(g.slabInfo().find((r) => r.objectSize === 64)!.remotePending); // 1
 * ```
 */
export class BuddySlabGlobalAllocator {
  readonly #buddy: BuddyPages;
  readonly #cpus: number;
  /** Per CPU, per class. */
  readonly #caches: SlabCache[][] = [];
  /** Each section's heap, with the number of the live slab on each page (0: none). */
  readonly #heaps: { start: number; end: number; slabAt: Int32Array }[] = [];
  /** Slabs by number (from 1); numbers of slabs handed back are reused with their header. */
  readonly #slabs: SlabPage[] = [NO_SLAB];
  /** Slab headers handed back to the buddy, for reuse. */
  readonly #spare: SlabPage[] = [];
  #cpu = 0;
  #initialized = false;
  readonly #usages = new Usages();
  /** Remote frees by the CPU that freed, ever. */
  readonly #remoteFrees: number[];
  /** Regions `add_memory` skipped (no 2 MiB-aligned page behind the metadata). */
  readonly skipped: { start: number; size: number }[] = [];

  /** An uninitialised allocator whose CPUs have all run `init_percpu_slab`. */
  constructor(options: BuddySlabOptions = {}) {
    const cpus = options.cpus ?? 1;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 65536) {
      throw new RangeError(`CPU count ${cpus} is not 1 to 65536`);
    }
    this.#cpus = cpus;
    this.#buddy = new BuddyPages(options);
    // Plain loops, not `map`: the arrays must have one shape (packed) in
    // every allocator made, or the replay loops compiled for it meet
    // another map later and deoptimize.
    for (let c = 0; c < cpus; c++) {
      let row = spareCacheRows.pop();
      if (row !== undefined) { for (let i = 0; i < row.length; i++) row[i].reset(); }
      else {
        row = [];
        for (let i = 0; i < SLAB_CLASS_SIZES.length; i++) row.push(new SlabCache(i));
      }
      this.#caches.push(row);
    }
    this.#remoteFrees = new Array<number>(cpus).fill(0);
  }

  /** The allocator's name, as `GlobalAllocator::name` says it. */
  get name(): string {
    return "buddy-slab-allocator";
  }

  /** CPUs brought up. */
  get cpus(): number {
    return this.#cpus;
  }

  /** The CPU the next calls run on. */
  get cpu(): number {
    return this.#cpu;
  }

  set cpu(k: number) {
    if (!Number.isInteger(k) || k < 0 || k >= this.#cpus) {
      throw new RangeError(`CPU ${k} is not one of the ${this.#cpus} brought up`);
    }
    this.#cpu = k;
  }

  /** The buddy page allocator underneath (read it; do not change it). */
  get buddy(): BuddyPages {
    return this.#buddy;
  }

  /** `init(start, size)`. */
  init(start: number, size: number): void {
    if (this.#initialized) {
      throw new AllocError("AlreadyInitialized", { reason: "the global allocator is initialized" });
    }
    this.#buddy.reset();
    this.#heaps.length = 0;
    this.#addHeap(this.#buddy.addRegion(start, size, HEAP_ALIGN));
    this.#initialized = true;
  }

  /** `add_memory(start, size)`: a region with no 2 MiB-aligned page behind its metadata is skipped. */
  addMemory(start: number, size: number): void {
    if (!this.#initialized) {
      throw notInitialized("add_memory");
    }
    let layout: BuddyRegionLayout;
    try {
      layout = this.#buddy.addRegion(start, size, HEAP_ALIGN);
    } catch (e) {
      if (e instanceof AllocError && e.kind === "InvalidParam") {
        this.skipped.push({ start, size });
        return;
      }
      throw e;
    }
    this.#addHeap(layout);
  }

  #addHeap(layout: BuddyRegionLayout): void {
    const start = layout.heapStart;
    const n = layout.heapSize / PAGE;
    const spare = spareBuffer(n * 4);
    this.#heaps.push({
      start,
      end: start + layout.heapSize,
      slabAt: spare === undefined ? new Int32Array(n) : new Int32Array(spare),
    });
  }

  /**
   * Hands the metadata buffers to the next allocator made (a replay's next
   * pass starts with them zeroed, as new ones are); this one must not be
   * used afterwards.
   */
  recycle(): void {
    for (const h of this.#heaps) keepBuffer(h.slabAt.buffer as ArrayBuffer);
    this.#heaps.length = 0;
    this.#buddy.recycle();
    for (let i = 1; i < this.#slabs.length && sparePages.length < MAX_SPARE_PAGES; i++) {
      sparePages.push(this.#slabs[i]);
    }
    this.#slabs.length = 1;
    for (const row of this.#caches) {
      if (spareCacheRows.length < MAX_SPARE_CACHE_ROWS) spareCacheRows.push(row);
    }
    this.#caches.length = 0;
  }

  /** `alloc(layout)`. */
  alloc(size: number, align: number): number {
    checkLayout(size, align);
    if (!this.#initialized) {
      throw notInitialized("alloc");
    }
    let p: number;
    if (size <= SLAB_MAX_SIZE && align <= SLAB_MAX_SIZE) {
      p = this.#slabAlloc(slabClassOf(size, align));
    } else {
      p = unboxed(this.#buddy.allocPages(Math.ceil(size / PAGE), Math.max(align, PAGE)));
    }
    this.#usages.allocHeap(size);
    return p;
  }

  #slabAlloc(cls: number): number {
    const cache = this.#caches[this.#cpu][cls];
    // One call of allocObject, and no address passed to or returned by the
    // new-slab path: V8 keeps the address unboxed whichever calls it
    // inlines (see `unboxed_results.ts`).
    for (let fresh = false;; fresh = true) {
      const got = cache.allocObject();
      if (got >= 0) return got;
      if (fresh) throw noObject();
      this.#newSlab(cache, cls);
    }
  }

  /** A new slab of class `cls` from the buddy, on `cache`'s partial list. */
  #newSlab(cache: SlabCache, cls: number): void {
    const pages = slabPagesOf(cls);
    const base = this.#buddy.allocPages(pages, pages * PAGE);
    this.#buddy.markSlab(base);
    let slab = this.#spare.pop();
    if (slab !== undefined) slab.init(base, cls, this.#cpu);
    else {
      // A header an allocator that is done left (see recycle), or a new one.
      slab = sparePages.pop();
      if (slab !== undefined) slab.init(base, cls, this.#cpu);
      else slab = new SlabPage(base, cls, this.#cpu);
      slab.id = this.#slabs.length;
      this.#slabs.push(slab);
    }
    this.#setSlab(base, pages, slab.id);
    cache.addSlab(slab);
  }

  #setSlab(base: number, pages: number, slab: number): void {
    const heaps = this.#heaps;
    for (let i = 0; i < heaps.length; i++) {
      const h = heaps[i];
      if (base >= h.start && base < h.end) {
        const pfn = (base - h.start) / PAGE;
        for (let k = 0; k < pages; k++) h.slabAt[pfn + k] = slab;
        return;
      }
    }
  }

  /** The live slab holding `addr`, if any. */
  slabOf(addr: number): SlabPage | undefined {
    const heaps = this.#heaps;
    for (let i = 0; i < heaps.length; i++) {
      const h = heaps[i];
      if (addr >= h.start && addr < h.end) {
        const id = h.slabAt[Math.floor((addr - h.start) / PAGE)];
        return id === 0 ? undefined : this.#slabs[id];
      }
    }
    return undefined;
  }

  /** `dealloc(ptr, layout)` on the current CPU. */
  dealloc(ptr: number, size: number, align: number): void {
    checkLayout(size, align);
    if (size <= SLAB_MAX_SIZE && align <= SLAB_MAX_SIZE) {
      this.#slabDealloc(ptr, slabClassOf(size, align));
    } else {
      this.#notSlab(ptr);
      this.#buddy.deallocPages(ptr, Math.ceil(size / PAGE));
    }
    this.#usages.deallocHeap(size);
  }

  #slabDealloc(ptr: number, cls: number): void {
    const slab = this.slabOf(ptr);
    const slot = slab === undefined ? -1 : slab.slotOf(ptr);
    if (slab === undefined || slot < 0) throw notAnObject(ptr);
    if (slab.classIndex !== cls) throw wrongClass(ptr, slab, cls);
    if (slab.isFree(slot) || slab.isRemote(slot)) throw freeAlready(ptr, slab, slot);
    if (slab.owner !== this.#cpu) {
      slab.remoteFree(slot);
      this.#remoteFrees[this.#cpu]++;
      return;
    }
    const back = this.#caches[this.#cpu][cls].deallocObject(slab, slot);
    if (back !== null) {
      const pages = slabPagesOf(cls);
      this.#setSlab(back.base, pages, 0);
      this.#buddy.deallocPages(back.base, pages);
      this.#spare.push(back);
    }
  }

  #notSlab(addr: number): void {
    const slab = this.slabOf(addr);
    if (slab !== undefined) throw inASlab(addr, slab);
  }

  /** `alloc_pages(n, align, kind)`. */
  allocPages(numPages: number, alignment: number, kind: UsageKind = "Global"): number {
    const p = this.#buddy.allocPages(numPages, alignment);
    this.#usages.alloc(kind, numPages * PAGE);
    return p;
  }

  /** `alloc_dma32_pages(n, align, kind)`: physical end at most 4 GiB. */
  allocDma32Pages(numPages: number, alignment: number, kind: UsageKind = "Dma"): number {
    const p = this.#buddy.allocPagesLowmem(numPages, alignment);
    this.#usages.alloc(kind, numPages * PAGE);
    return p;
  }

  /** `alloc_pages_at`: not in this mode. */
  allocPagesAt(_base: number, _numPages: number, _alignment: number): number {
    throw new KernelPanic("not implemented: buddy-slab allocator does not support alloc_pages_at");
  }

  /** `dealloc_pages(pos, n, kind)`. */
  deallocPages(pos: number, numPages: number, kind: UsageKind = "Global"): void {
    this.#notSlab(pos);
    this.#buddy.deallocPages(pos, numPages);
    this.#usages.dealloc(kind, numPages * PAGE);
  }

  /** The buddy's allocated bytes (`allocated_bytes`). */
  usedBytes(): number {
    return this.#buddy.allocatedBytes();
  }

  /** Managed heap bytes less the used ones. */
  availableBytes(): number {
    return Math.max(0, this.#buddy.managedBytes() - this.#buddy.allocatedBytes());
  }

  /** {@linkcode BuddySlabGlobalAllocator.usedBytes} in whole pages. */
  usedPages(): number {
    return Math.floor(this.usedBytes() / PAGE);
  }

  /** {@linkcode BuddySlabGlobalAllocator.availableBytes} in whole pages. */
  availablePages(): number {
    return Math.floor(this.availableBytes() / PAGE);
  }

  /** The largest free buddy block's bytes. */
  largestFreeBlock(): number {
    const blocks = this.#buddy.freeBlocks();
    for (let o = blocks.length - 1; o >= 0; o--) if (blocks[o] > 0) return 2 ** o * PAGE;
    return 0;
  }

  /** The managed heap's bytes (`managed_bytes`). */
  totalBytes(): number {
    return this.#buddy.managedBytes();
  }

  /** Bytes in use by kind (`usages()`: a copy, as the real one returns). */
  usages(): Usages {
    return this.#usages.copy();
  }

  /** Remote frees made on each CPU, ever. */
  remoteFrees(): number[] {
    return [...this.#remoteFrees];
  }

  /** Per CPU and class (rows with slabs only): objects, slabs, remote frees waiting. */
  slabInfo(): PerCpuSlabInfo[] {
    const rows: PerCpuSlabInfo[] = [];
    for (let cpu = 0; cpu < this.#cpus; cpu++) {
      for (const cache of this.#caches[cpu]) {
        let objects = 0;
        let free = 0;
        let remote = 0;
        let slabs = 0;
        for (const s of cache.slabs()) {
          objects += s.objectCount;
          free += s.localFree;
          remote += s.remoteCount;
          slabs++;
        }
        if (slabs === 0 && cache.drained === 0) continue;
        rows.push({
          cpu,
          objectSize: SLAB_CLASS_SIZES[cache.classIndex],
          active: objects - free - remote,
          objects,
          partial: cache.partial.length,
          full: cache.full.length,
          empty: cache.empty.length,
          remotePending: remote,
          drained: cache.drained,
          pages: slabs * slabPagesOf(cache.classIndex),
        });
      }
    }
    return rows;
  }
}
