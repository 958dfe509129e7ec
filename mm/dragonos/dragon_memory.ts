/**
 * The DragonOS-style (C era) kernel memory API of one simulated machine:
 * zoned 2 MiB pages, the kmalloc family, page tables in simulated RAM and
 * `mm_stat`.
 *
 * @module
 */

import { phys, virt } from "../../hal/address.ts";
import { PhysicalMemory } from "../../hal/physical_memory.ts";
import { getPlatform, physToVirt, type Platform, virtToPhys } from "../../hal/platform.ts";
import { KfreeError, Kmalloc, KMALLOC_SIZES } from "./kmalloc.ts";
import type { Shadow } from "../kasan/shadow.ts";
import { EFAULT, PageTable, PageTableError } from "./page_table.ts";
import { MAP_USER, pteFormatFor } from "./pte_format.ts";
import {
  FreePagesError,
  type Page,
  ZONE_NORMAL,
  ZonedPageAllocator,
  type ZoneLimits,
} from "./zoned_pages.ts";

/** The largest unsigned 64-bit value. */
const U64_LAST = (1n << 64n) - 1n;

/** Scratch views for splitting a 64-bit address into two 32-bit halves. */
const HALF64 = new BigUint64Array(1);
const HALF32 = new Uint32Array(HALF64.buffer);

/**
 * A kmalloc cache's name, as `/proc/slabinfo`, the sanitizer and the
 * report say it (Linux's way: `kmalloc-64`, `kmalloc-4k`).
 *
 * @example
 * ```ts
 * import { kmallocCacheName } from "./dragon_memory.ts";
 * console.log(kmallocCacheName(64), kmallocCacheName(4096)); // kmalloc-64 kmalloc-4k
 * ```
 */
export function kmallocCacheName(size: number): string {
  return `kmalloc-${size >= 1024 ? `${size / 1024}k` : size}`;
}

/** The kmalloc caches' names. */
const CACHE_NAMES: readonly string[] = KMALLOC_SIZES.map(kmallocCacheName);

/** `struct mm_stat_t`, in bytes. */
export interface MmStat {
  /** `used + free`. */
  total: number;
  /** Pages in use in the normal zone, times the page size. */
  used: number;
  /** Free pages in the normal zone, times the page size. */
  free: number;
  /** Always 0 in DragonOS. */
  shared: number;
  /** Sum over kmalloc caches of object size times objects in use. */
  cacheUsed: number;
  /** Sum over kmalloc caches of object size times free objects. */
  cacheFree: number;
  /** `free + cacheFree`. */
  available: number;
}

/** Options of {@linkcode DragonMemory}. */
export interface DragonMemoryOptions {
  /** The platform or its name (default `riscv64-qemu-virt`). */
  platform?: Platform | string;
  /** The page (and slab) size, default 2 MiB. */
  pageSize?: number;
  /** Zone boundaries (default: the platform's rule, see `zoneLimits`). */
  zoneLimits?: ZoneLimits;
  /** Receives the kernel's log lines. */
  log?: (line: string) => void;
  /** Simulated RAM to use (default: fresh RAM over the platform's regions). */
  ram?: PhysicalMemory;
  /** The free physical memory it manages (default: the platform's free RAM). */
  freeRegions?: readonly { base: bigint; size: bigint }[];
  /** The sanitizer's shadow, told of every allocation and free (none: no sanitizer). */
  shadow?: Shadow;
}

/**
 * The memory API of a DragonOS-style kernel.
 *
 * @example
 * ```ts
 * import { DragonMemory } from "./dragon_memory.ts";
 * import { MAP_READ, MAP_WRITE } from "./pte_format.ts";
 * const mm = new DragonMemory();
 * const obj = mm.kzalloc(80)!;                    // a 128-byte object, zeroed
 * mm.kfree(obj);
 * const rc = mm.mmMapPhysAddr(0x4000_0000n, 0x8600_0000n, 0x20_0000, MAP_READ | MAP_WRITE, false);
 * console.log(rc, mm.translate(0x4000_1000n).paddr.toString(16)); // 0 86001000
 * console.log(mm.mmStat().cacheUsed);             // the page-table frames kmalloc holds
 * ```
 */
export class DragonMemory {
  /** Live page-table frames (kernel virtual addresses): not for `kfree`. */
  readonly #tableFrames = new Set<bigint>();
  /** The platform. */
  readonly platform: Platform;
  /** Simulated RAM. */
  readonly ram: PhysicalMemory;
  /** The zoned page allocator. */
  readonly pages: ZonedPageAllocator;
  /** The kmalloc caches. */
  readonly slab: Kmalloc;
  readonly #tables: PageTable[] = [];
  #kernelTable: PageTable | undefined;
  readonly #log: (line: string) => void;
  /** The sanitizer's shadow, if the kernel runs with one. */
  readonly shadow: Shadow | undefined;
  /** The linear mapping's offset, in two 32-bit halves (see {@linkcode DragonMemory.#physNumber}). */
  readonly #offsetLo: number;
  readonly #offsetHi: number;

  /** Boots the memory manager: zones over free RAM, then the kmalloc caches. */
  constructor(options: DragonMemoryOptions = {}) {
    this.platform = typeof options.platform === "string" || options.platform === undefined
      ? getPlatform(options.platform)
      : options.platform;
    HALF64[0] = this.platform.physVirtOffset;
    [this.#offsetLo, this.#offsetHi] = [HALF32[0], HALF32[1]];
    this.ram = options.ram ?? new PhysicalMemory(this.platform.ram);
    this.#log = options.log ?? (() => {});
    this.shadow = options.shadow;
    this.pages = new ZonedPageAllocator(this.platform, {
      pageSize: options.pageSize,
      limits: options.zoneLimits,
      log: this.#log,
      freeRegions: options.freeRegions,
    });
    this.slab = new Kmalloc(this.pages, {
      ram: this.ram,
      physToVirt: (p) => physToVirt(this.platform, phys(p)),
      log: this.#log,
    });
  }

  /** The kernel's page table (the "current" one), made on first use. */
  get kernelTable(): PageTable {
    this.#kernelTable ??= this.createPageTable();
    return this.#kernelTable;
  }

  /** `alloc_pages(zone_select, num, flags)`: a `Page`, or null (logged). */
  allocPages(zoneSelect: number, num: number, flags: number): Page | null {
    const page = this.pages.allocPages(zoneSelect, num, flags);
    if (page !== null) {
      const bytes = num * this.pages.pageSize;
      this.shadow?.allocated(page.addrPhys, bytes, bytes, "zone pages", undefined, bytes);
    }
    return page;
  }

  /** `free_pages(page, num)`. */
  freePages(page: Page, num: number): void {
    try {
      this.pages.freePages(page, num);
    } catch (e) {
      if (this.shadow === undefined || !(e instanceof FreePagesError)) throw e;
      throw this.shadow.badFree(page.addrPhys, "free_pages", e.code, e.message);
    }
    this.shadow?.freed(page.addrPhys, num * this.pages.pageSize);
  }

  /** `kmalloc(size, gfp)`: a kernel virtual address, or null (logged). */
  kmalloc(size: number, gfp = 0): bigint | null {
    return this.#track(this.slab.kmalloc(size, gfp), size);
  }

  /** `kzalloc(size, gfp)`. */
  kzalloc(size: number, gfp = 0): bigint | null {
    return this.#track(this.slab.kzalloc(size, gfp), size);
  }

  /** Tells the sanitizer of a kmalloc object (the cache's size is its slot). */
  #track(addr: bigint | null, size: number): bigint | null {
    if (addr !== null && this.shadow !== undefined) {
      // The cache: the smallest power of two that holds `size` (32 at least).
      const i = size <= KMALLOC_SIZES[0] ? 0 : 27 - Math.clz32(size - 1);
      this.shadow.allocatedAt(
        this.#physNumber(addr),
        size,
        KMALLOC_SIZES[i],
        "kmalloc",
        CACHE_NAMES[i],
      );
    }
    return addr;
  }

  /**
   * `kfree(address)`; misuse throws a `KfreeError` and changes nothing: a
   * foreign, interior or freed pointer, or a live frame of a page table.
   */
  kfree(address: bigint | null): void {
    try {
      if (address !== null && this.#tableFrames.has(address)) {
        throw new KfreeError("page-table", address, 4096);
      }
      this.slab.kfree(address);
    } catch (e) {
      if (this.shadow === undefined || !(e instanceof KfreeError)) throw e;
      throw this.shadow.badFree(this.translatePhys(e.address), "kfree", e.code, e.message);
    }
    if (address !== null && address !== 0n && this.shadow !== undefined) {
      this.shadow.freedAt(this.#physNumber(address));
    }
  }

  /** A new, empty page table whose table frames come from `kmalloc(4096)`. */
  createPageTable(): PageTable {
    const t = new PageTable(pteFormatFor(this.platform.arch), this.ram, {
      alloc: () => {
        const v = this.slab.kzalloc(4096);
        if (v === null) return null;
        this.#tableFrames.add(v);
        const paddr = virtToPhys(this.platform, virt(v));
        this.shadow?.reserve(paddr, 4096, "a page table");
        return { vaddr: v, paddr };
      },
      free: (v) => {
        this.#tableFrames.delete(v);
        this.shadow?.release(virtToPhys(this.platform, virt(v)), 4096);
        this.slab.kfree(v);
      },
    }, (p) => physToVirt(this.platform, phys(p)));
    this.#tables.push(t);
    return t;
  }

  /** `mm_map_phys_addr(virt, phys, len, flags, use4k)` on the kernel table: 0 or `-EFAULT`. */
  mmMapPhysAddr(vaddr: bigint, paddr: bigint, len: number, flags: number, use4k: boolean): number {
    return this.mmMapProcPageTable(
      this.kernelTable,
      true,
      vaddr,
      paddr,
      len,
      flags,
      false,
      true,
      use4k,
    );
  }

  /**
   * `mm_map_proc_page_table(pgt, is_phys, virt, phys, len, flags, user,
   * flush, use4k)`: 0, or `-EFAULT` with the reason logged.
   */
  mmMapProcPageTable(
    pgt: PageTable,
    _isPhys: boolean,
    vaddr: bigint,
    paddr: bigint,
    len: number,
    flags: number,
    user: boolean,
    flush: boolean,
    use4k: boolean,
  ): number {
    try {
      pgt.map(vaddr, paddr, len, flags | (user ? MAP_USER : 0), use4k, flush);
      return 0;
    } catch (e) {
      if (!(e instanceof PageTableError)) throw e;
      this.#log(`mm_map_proc_page_table: ${e.message}`);
      return -EFAULT;
    }
  }

  /** `mm_unmap_proc_table(pgt, is_phys, virt, len)`: 0, or `-EFAULT` (logged). */
  mmUnmapProcTable(pgt: PageTable, _isPhys: boolean, vaddr: bigint, len: number): number {
    try {
      pgt.unmap(vaddr, len, true);
      return 0;
    } catch (e) {
      if (!(e instanceof PageTableError)) throw e;
      this.#log(`mm_unmap_proc_table: ${e.message}`);
      return -EFAULT;
    }
  }

  /** `mm_unmap_addr(virt, len)` on the kernel table. */
  mmUnmapAddr(vaddr: bigint, len: number): number {
    return this.mmUnmapProcTable(this.kernelTable, true, vaddr, len);
  }

  /** Walks the kernel table (see `PageTable.translate`). */
  translate(vaddr: bigint): ReturnType<PageTable["translate"]> {
    return this.kernelTable.translate(vaddr);
  }

  /** The physical address behind a kernel virtual address of the linear mapping. */
  translatePhys(vaddr: bigint): bigint {
    const offset = this.platform.physVirtOffset;
    // The linear mapping's addresses lie above its offset: one subtraction.
    return vaddr >= offset && vaddr <= U64_LAST
      ? vaddr - offset
      : virtToPhys(this.platform, virt(vaddr));
  }

  #lastVaddr = -1n;
  #lastPhys = 0;

  /**
   * The physical address of a linear-mapping address as a number, without
   * bigint arithmetic (the 64-bit halves are subtracted as numbers): the
   * sanitizer's kmalloc path asks it on every allocation and free.
   */
  #physNumber(vaddr: bigint): number {
    // An object freed right after it was handed out: the same address again.
    if (vaddr === this.#lastVaddr) return this.#lastPhys;
    HALF64[0] = vaddr;
    const lo = HALF32[0] - this.#offsetLo;
    const hi = HALF32[1] - this.#offsetHi;
    const pa = hi * 0x1_0000_0000 + lo;
    const phys = pa >= 0 && pa < 2 ** 53 ? pa : Number(this.translatePhys(vaddr));
    this.#lastVaddr = vaddr;
    this.#lastPhys = phys;
    return phys;
  }

  /** `mm_stat()`. */
  mmStat(): MmStat {
    const normal = this.pages.zone(ZONE_NORMAL);
    const size = this.pages.pageSize;
    const used = normal.countPagesUsing * size;
    const free = normal.countPagesFree * size;
    let cacheUsed = 0;
    let cacheFree = 0;
    for (const c of this.slab.caches) {
      cacheUsed += c.size * c.countTotalUsing;
      cacheFree += c.size * c.countTotalFree;
    }
    return {
      total: used + free,
      used,
      free,
      shared: 0,
      cacheUsed,
      cacheFree,
      available: free + cacheFree,
    };
  }

  /** All page tables created (the kernel's first). */
  get pageTables(): readonly PageTable[] {
    return this.#tables;
  }
}
