/**
 * The buddy page allocator of `buddy-slab-allocator` 0.4.6
 * (`src/buddy/mod.rs`, tgoskits 759e69c), as ArceOS 2026's `ax-alloc`
 * uses it under its `buddy-slab` global allocator.
 *
 * Each region becomes a section: a 160-byte `BuddySection` header at the
 * region's start (8-aligned), then a 12-byte `PageMeta` per page, then the
 * heap, its start aligned to the caller's heap alignment (2 MiB in the
 * global allocator). The heap holds as many pages as fit behind their own
 * metadata (a binary search, as the real code does). Free blocks sit on
 * intrusive lists per order 0..20, pushed at the front; blocks are aligned
 * relative to the heap's first page, not to addresses.
 *
 * - `allocPages(count, align)`: order `ceil(log2(count))`; alignment 0
 *   means a page, anything else must be a power of two of at least a page
 *   (`InvalidParam`); past order 20 `InvalidParam`. Sections in the order
 *   they were added; in each, orders upwards and each list from its front,
 *   the first free block holding a run aligned in the address space. The
 *   block is split down to the run; the halves not taken go to the fronts
 *   of their lists.
 * - `allocPagesLowmem`: the same, taking the first candidate whose
 *   physical end lies at or below 4 GiB (`virt_to_phys` is a linear
 *   offset, wrapping as `usize` does).
 * - `deallocPages(addr, count)` frees the whole block the page metadata
 *   records (its order, whatever `count` says) and merges it with free
 *   buddies of its order.
 *
 * Where the real code would corrupt itself silently (freeing an address no
 * section holds, a page that is not the start of an allocated block), the
 * model throws `NotAllocated` and changes nothing.
 *
 * Addresses are numbers local to the caller's window; `origin` (the
 * window's start) and `offset` (virtual minus physical) place them in the
 * 64-bit address space where that matters: alignments past 1 TiB and the
 * DMA32 limit.
 *
 * @module
 */

import { AllocError } from "../allocator/alloc_error.ts";
import { keepBuffer, spareBuffer } from "./spare_buffers.ts";

/**
 * The largest order: blocks of 2^20 pages (4 GiB). Orders never pass it, so
 * `1 << order` is exact (V8 compiles `2 ** order` to a call of C's `pow`).
 */
export const BUDDY_MAX_ORDER = 20;
const PAGE = 4096;
const PFN_NONE = 0xffff_ffff;
const FREE = 0;
const ALLOCATED = 1;
const SLAB = 2;
/** `size_of::<BuddySection>()` on a 64-bit target. */
const SECTION_BYTES = 160;
/** `size_of::<PageMeta>()`. */
const META_BYTES = 12;
const DMA32_LIMIT = 2 ** 32;
const TIB = 2 ** 40;
const U64 = 1n << 64n;

/** What a page's metadata says it is. */
export type BuddyPageFlags = "Free" | "Allocated" | "Slab";

/** Where a region's section, metadata and heap lie (`RegionLayout`). */
export interface BuddyRegionLayout {
  /** The `BuddySection` header's address. */
  sectionStart: number;
  /** The `PageMeta` array's address. */
  metaStart: number;
  /** The first heap page. */
  heapStart: number;
  /** The heap's bytes (whole pages). */
  heapSize: number;
}

/** A section's summary (`ManagedSection`), with its region. */
export interface BuddySectionInfo {
  /** The region as given. */
  regionStart: number;
  /** The region's size as given. */
  regionSize: number;
  /** The first heap page. */
  heapStart: number;
  /** The heap's bytes. */
  heapSize: number;
  /** Free pages now. */
  freePages: number;
  /** Pages in the heap. */
  totalPages: number;
}

/** Where the allocator lies in the 64-bit address space. */
export interface BuddyPlacement {
  /** The 64-bit address of local address 0 (a multiple of 1 TiB). Default 0. */
  origin?: bigint;
  /** Virtual minus physical address (wrapping). Default 0. */
  offset?: bigint;
}

/**
 * The metadata bytes a region starting at `regionStart` of `regionSize`
 * bytes leaves, and its heap (`compute_region_layout_with_heap_align`);
 * `undefined` when not one page fits.
 *
 * @example
 * ```ts
 * import { buddyRegionLayout } from "./buddy_pages.ts";
 * const l = buddyRegionLayout(0x8040_0000, 0x40_0000, 0x20_0000)!;
 * console.log(l.heapStart.toString(16), l.heapSize / 4096); // 80600000 512
 * ```
 */
export function buddyRegionLayout(
  regionStart: number,
  regionSize: number,
  heapAlign: number,
): BuddyRegionLayout | undefined {
  if (regionSize <= 0) return undefined;
  const regionEnd = regionStart + regionSize;
  const sectionStart = alignUp(regionStart, 8);
  if (sectionStart >= regionEnd) return undefined;
  const searchStart = alignUp(sectionStart + SECTION_BYTES, PAGE);
  const maxPages = searchStart >= regionEnd ? 0 : Math.floor((regionEnd - searchStart) / PAGE);
  const heapFor = (pages: number) =>
    alignUp(sectionStart + SECTION_BYTES + pages * META_BYTES, heapAlign);
  const fits = (pages: number) => {
    const heap = heapFor(pages);
    return heap <= regionEnd && Math.floor((regionEnd - heap) / PAGE) >= pages;
  };
  let low = 0;
  let high = maxPages;
  while (low < high) {
    const mid = low + Math.ceil((high - low) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  if (low === 0) return undefined;
  return {
    sectionStart,
    metaStart: sectionStart + SECTION_BYTES,
    heapStart: heapFor(low),
    heapSize: low * PAGE,
  };
}

function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

/** The order of a run of `count` pages: `count.next_power_of_two().trailing_zeros()`. */
function orderOf(count: number): number {
  if (count <= 0x4000_0000) return count <= 1 ? 0 : 32 - Math.clz32(count - 1);
  let order = 0;
  while (2 ** order < count) order++;
  return order;
}

/** One section: a region's header, page metadata and heap. */
class Section {
  readonly flags: Uint8Array;
  readonly order: Uint8Array;
  readonly prev: Uint32Array;
  readonly next: Uint32Array;
  /** 1 at the first page of each allocated block (mmsim's own check, not real metadata). */
  readonly head: Uint8Array;
  readonly lists = new Uint32Array(BUDDY_MAX_ORDER + 1).fill(PFN_NONE);
  freePages = 0;
  readonly totalPages: number;
  /** The buffer the page metadata lives in. */
  readonly buffer: ArrayBuffer;
  constructor(
    readonly regionStart: number,
    readonly regionSize: number,
    readonly heapStart: number,
    readonly heapSize: number,
  ) {
    const n = heapSize / PAGE;
    this.totalPages = n;
    // One buffer for all the page metadata (one allocation, zeroed): the
    // links first (4-byte aligned), then the bytes. Links are read only
    // for pages on a free list, which push sets.
    const buf = spareBuffer(n * 11) ?? new ArrayBuffer(n * 11);
    this.buffer = buf;
    this.prev = new Uint32Array(buf, 0, n);
    this.next = new Uint32Array(buf, n * 4, n);
    this.flags = new Uint8Array(buf, n * 8, n);
    this.order = new Uint8Array(buf, n * 9, n);
    this.head = new Uint8Array(buf, n * 10, n);
    let pfn = 0;
    while (pfn < n) {
      let order = BUDDY_MAX_ORDER;
      while (order > 0 && ((1 << order) > n - pfn || pfn % (1 << order) !== 0)) order--;
      this.flags[pfn] = FREE;
      this.order[pfn] = order;
      this.push(pfn, order);
      this.freePages += 1 << order;
      pfn += 1 << order;
    }
  }

  push(pfn: number, order: number): void {
    const old = this.lists[order];
    this.prev[pfn] = PFN_NONE;
    this.next[pfn] = old;
    if (old !== PFN_NONE) this.prev[old] = pfn;
    this.lists[order] = pfn;
  }

  remove(pfn: number, order: number): void {
    const p = this.prev[pfn];
    const n = this.next[pfn];
    if (p !== PFN_NONE) this.next[p] = n;
    else this.lists[order] = n;
    if (n !== PFN_NONE) this.prev[n] = p;
    this.prev[pfn] = PFN_NONE;
    this.next[pfn] = PFN_NONE;
  }

  /**
   * Splits the free block `blockPfn` of `blockOrder` (already off its list)
   * down to `target`; the page number of the run taken.
   */
  take(blockPfn: number, blockOrder: number, target: number, order: number): number {
    let current = blockOrder;
    let pfn = blockPfn;
    while (current > order) {
      current--;
      const right = pfn + (1 << current);
      const free = target >= right ? pfn : right;
      this.flags[free] = FREE;
      this.order[free] = current;
      this.push(free, current);
      if (target >= right) pfn = right;
    }
    this.flags[pfn] = ALLOCATED;
    this.order[pfn] = order;
    this.head[pfn] = 1;
    this.freePages -= 1 << order;
    return pfn;
  }

  contains(addr: number): boolean {
    return addr >= this.heapStart && addr < this.heapStart + this.heapSize;
  }
}

// The errors, out of line: the paths that allocate and free stay small,
// so that the replay loops inline them whole (V8 inlines by bytecode size).

function badCount(count: number): AllocError {
  return new AllocError("InvalidParam", { reason: `${count} pages` });
}

function badAlignment(alignment: number): AllocError {
  return new AllocError("InvalidParam", {
    reason: `alignment ${alignment} is not a power of two of at least a page`,
  });
}

function tooManyPages(count: number): AllocError {
  return new AllocError("InvalidParam", { reason: `${count} pages pass order ${BUDDY_MAX_ORDER}` });
}

function noBlock(order: number, align: number, lowmem: boolean): AllocError {
  return new AllocError("NoMemory", {
    reason: `no free block holds ${2 ** order} page(s) aligned to ${align}${
      lowmem ? " below 4 GiB physical" : ""
    }`,
  });
}

function notABlock(addr: number): AllocError {
  return new AllocError("NotAllocated", {
    address: addr,
    reason: `0x${addr.toString(16)} is not the start of an allocated page block ` +
      `(double free or foreign pointer)`,
  });
}

function wrongCount(addr: number, count: number, order: number): AllocError {
  return new AllocError("InvalidParam", {
    address: addr,
    reason: `${count} pages freed from a block of ${2 ** order}`,
  });
}

function notFound(addr: number): AllocError {
  return new AllocError("NotFound", { address: addr });
}

/**
 * `buddy_slab_allocator::BuddyAllocator<4096>`.
 *
 * @example
 * ```ts
 * import { BuddyPages } from "./buddy_pages.ts";
 * const b = new BuddyPages();
 * b.addRegion(0x8000_0000, 0x10_0000, 4096);
 * const p = b.allocPages(3, 0);
 * console.log(p.toString(16), b.freePages()); // 80001000 251
 * b.deallocPages(p, 3);
 * console.log(b.freePages()); // 255
 * ```
 */
export class BuddyPages {
  readonly #sections: Section[] = [];
  readonly #origin: bigint;
  /** The local address whose physical address is 0 (signed, wrapping), or NaN when none is near. */
  readonly #physZero: number;

  /** An allocator with no sections, placed as `placement` says. */
  constructor(placement: BuddyPlacement = {}) {
    this.#origin = placement.origin ?? 0n;
    const zero = (((placement.offset ?? 0n) - this.#origin) % U64 + U64) % U64;
    const signed = zero >= U64 / 2n ? zero - U64 : zero;
    this.#physZero = signed > -(2n ** 53n) && signed < 2n ** 53n ? Number(signed) : NaN;
  }

  /**
   * Hands the sections' metadata buffers to the next allocator made (a
   * replay's next pass); this one must not be used afterwards.
   */
  recycle(): void {
    for (const s of this.#sections) keepBuffer(s.buffer);
    this.#sections.length = 0;
  }

  /** Forgets every section (`reset`). */
  reset(): void {
    this.#sections.length = 0;
  }

  /**
   * Adds a region whose heap is aligned to `heapAlign`
   * (`compute_region_layout_with_heap_align` + `add_region_raw`):
   * `InvalidParam` when not one page fits, `MemoryOverlap` when it
   * overlaps a region added before. Returns the layout.
   */
  addRegion(regionStart: number, regionSize: number, heapAlign: number): BuddyRegionLayout {
    const layout = buddyRegionLayout(regionStart, regionSize, heapAlign);
    if (layout === undefined) {
      throw new AllocError("InvalidParam", {
        address: regionStart,
        reason: `region of ${regionSize} bytes holds no page behind its metadata`,
      });
    }
    this.addLaidOut(regionStart, regionSize, layout);
    return layout;
  }

  /** Adds a region already laid out (`add_region_raw`): `MemoryOverlap` when it overlaps one added before. */
  addLaidOut(regionStart: number, regionSize: number, layout: BuddyRegionLayout): void {
    const end = regionStart + regionSize;
    for (const s of this.#sections) {
      if (regionStart < s.regionStart + s.regionSize && s.regionStart < end) {
        throw new AllocError("MemoryOverlap", {
          address: regionStart,
          reason: `region overlaps the one at 0x${s.regionStart.toString(16)}`,
        });
      }
    }
    this.#sections.push(new Section(regionStart, regionSize, layout.heapStart, layout.heapSize));
  }

  /** `alloc_pages(count, align)`. */
  allocPages(count: number, align: number): number {
    return this.#alloc(count, align, false);
  }

  /** `alloc_pages_lowmem(count, align)`: a run whose physical end is at most 4 GiB. */
  allocPagesLowmem(count: number, align: number): number {
    return this.#alloc(count, align, true);
  }

  #alloc(count: number, alignment: number, lowmem: boolean): number {
    if (!(count >= 1) || !Number.isSafeInteger(count)) throw badCount(count);
    const align = alignment === 0 ? PAGE : alignment;
    if (!(align >= PAGE) || !Number.isSafeInteger(align) || !pow2(align)) {
      throw badAlignment(alignment);
    }
    const order = orderOf(count);
    if (order > BUDDY_MAX_ORDER) throw tooManyPages(count);
    const sections = this.#sections;
    for (let i = 0; i < sections.length; i++) {
      const s = sections[i];
      // (A page number, not an address: an integer crosses the call unboxed.)
      const pfn = this.#fromSection(s, order, align, lowmem);
      if (pfn >= 0) return s.heapStart + pfn * PAGE;
    }
    throw noBlock(order, align, lowmem);
  }

  /** The first page of the run taken from `s`, or -1. */
  #fromSection(s: Section, order: number, align: number, lowmem: boolean): number {
    const sub = 1 << order;
    const alignPages = align / PAGE;
    const heapMod = this.#mod(s.heapStart, align);
    const offset = heapMod === 0 ? 0 : alignPages - heapMod / PAGE;
    const small = alignPages <= sub;
    if (small ? heapMod !== 0 : offset % sub !== 0) return -1;
    const bytes = sub * PAGE;
    for (let search = order; search <= BUDDY_MAX_ORDER; search++) {
      for (let pfn = s.lists[search]; pfn !== PFN_NONE; pfn = s.next[pfn]) {
        const target = small ? pfn : pfn + (offset + alignPages - (pfn % alignPages)) % alignPages;
        if (target > pfn + (1 << search) - sub) continue;
        if (lowmem) {
          const addr = s.heapStart + target * PAGE;
          const rel = addr - this.#physZero + bytes;
          if (!(rel >= 0 && rel <= DMA32_LIMIT) || this.#mod(addr, align) !== 0) continue;
        }
        s.remove(pfn, search);
        return s.take(pfn, search, target, order);
      }
    }
    return -1;
  }

  /** `addr mod align` in the 64-bit address space. */
  #mod(addr: number, align: number): number {
    // `align` is a power of two: the division, floor and product are exact
    // (and a double's `%` is a call of C's fmod).
    if (align <= TIB || this.#origin === 0n) return addr - Math.floor(addr / align) * align;
    return Number((this.#origin + BigInt(addr)) % BigInt(align));
  }

  #section(addr: number): Section | undefined {
    const sections = this.#sections;
    for (let i = 0; i < sections.length; i++) if (sections[i].contains(addr)) return sections[i];
    return undefined;
  }

  /**
   * `dealloc_pages(addr, count)`: frees the block starting at `addr`, of
   * the order its metadata records. An address that is not the start of
   * an allocated block is `NotAllocated`, and nothing changes.
   */
  deallocPages(addr: number, count: number): void {
    const s = this.#section(addr);
    const pfn = s === undefined ? -1 : (addr - s.heapStart) / PAGE;
    if (s === undefined || Math.floor(pfn) !== pfn || s.head[pfn] !== 1) throw notABlock(addr);
    if (orderOf(count) > s.order[pfn]) throw wrongCount(addr, count, s.order[pfn]);
    s.head[pfn] = 0;
    let p = pfn;
    let order = s.order[pfn];
    const freed = 1 << order;
    while (order < BUDDY_MAX_ORDER) {
      const buddy = p < 0x4000_0000 && order < 30 ? p ^ (1 << order) : xorPow2(p, order);
      if (buddy >= s.totalPages) break;
      if (s.flags[buddy] !== FREE || s.order[buddy] !== order) break;
      s.remove(buddy, order);
      p = Math.min(p, buddy);
      order++;
    }
    s.flags[p] = FREE;
    s.order[p] = order;
    s.push(p, order);
    s.freePages += freed;
  }

  /** `set_page_flags(addr, Slab)`: marks an allocated block's first page as a slab's. */
  markSlab(addr: number): void {
    const s = this.#section(addr);
    if (s === undefined) throw notFound(addr);
    s.flags[(addr - s.heapStart) / PAGE] = SLAB;
  }

  /** What the metadata of the page holding `addr` says (`page_flags`); `NotFound` outside every heap. */
  pageFlags(addr: number): BuddyPageFlags {
    const s = this.#section(addr);
    if (s === undefined) throw new AllocError("NotFound", { address: addr });
    const f = s.flags[Math.floor((addr - s.heapStart) / PAGE)];
    return f === FREE ? "Free" : f === ALLOCATED ? "Allocated" : "Slab";
  }

  /** The section index holding `addr` in its heap, or -1. */
  sectionIndexOf(addr: number): number {
    for (let i = 0; i < this.#sections.length; i++) if (this.#sections[i].contains(addr)) return i;
    return -1;
  }

  /** Sections (`section_count`). */
  get sectionCount(): number {
    return this.#sections.length;
  }

  /** The summary of section `index` (in the order added). */
  section(index: number): BuddySectionInfo | undefined {
    const s = this.#sections[index];
    if (s === undefined) return undefined;
    return {
      regionStart: s.regionStart,
      regionSize: s.regionSize,
      heapStart: s.heapStart,
      heapSize: s.heapSize,
      freePages: s.freePages,
      totalPages: s.totalPages,
    };
  }

  /** Heap bytes of every section (`managed_bytes`). */
  managedBytes(): number {
    let n = 0;
    for (const s of this.#sections) n += s.heapSize;
    return n;
  }

  /** Free pages of every section. */
  freePages(): number {
    let n = 0;
    for (const s of this.#sections) n += s.freePages;
    return n;
  }

  /** Managed bytes less free pages (`allocated_bytes`, saturating). */
  allocatedBytes(): number {
    return Math.max(0, this.managedBytes() - this.freePages() * PAGE);
  }

  /** Free blocks per order 0..20, over every section (as `/proc/buddyinfo` counts them). */
  freeBlocks(): number[] {
    const out = new Array<number>(BUDDY_MAX_ORDER + 1).fill(0);
    for (const s of this.#sections) {
      for (let o = 0; o <= BUDDY_MAX_ORDER; o++) {
        for (let pfn = s.lists[o]; pfn !== PFN_NONE; pfn = s.next[pfn]) out[o]++;
      }
    }
    return out;
  }
}

function pow2(n: number): boolean {
  if (n > 0 && n <= 0x4000_0000) return (n & (n - 1)) === 0;
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** `p ^ 2^order` for page numbers past 2^31. */
function xorPow2(p: number, order: number): number {
  const bit = 2 ** order;
  return Math.floor(p / bit) % 2 === 0 ? p + bit : p - bit;
}
