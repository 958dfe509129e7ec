/**
 * DragonOS's (C era) zoned physical page allocator: 2 MiB pages (the size
 * is configurable) tracked by a bitmap, grouped in zones, handed out first
 * fit per zone by `alloc_pages(zone_select, num, flags)`.
 *
 * @module
 */

import { ArgumentError, SimError } from "../../hal/sim_error.ts";
import { freeMemoryRegions } from "../../hal/memory_map.ts";
import type { Platform } from "../../hal/platform.ts";

/** `ZONE_DMA`. */
export const ZONE_DMA = 1 << 0;
/** `ZONE_NORMAL`. */
export const ZONE_NORMAL = 1 << 1;
/** `ZONE_UNMAPPED_IN_PGT`. */
export const ZONE_UNMAPPED_IN_PGT = 1 << 2;

/** `PAGE_PGT_MAPPED`: the page is mapped in the kernel's page table. */
export const PAGE_PGT_MAPPED = 1 << 0;
/** `PAGE_KERNEL_INIT`. */
export const PAGE_KERNEL_INIT = 1 << 1;
/** `PAGE_DEVICE`. */
export const PAGE_DEVICE = 1 << 2;
/** `PAGE_KERNEL`. */
export const PAGE_KERNEL = 1 << 3;
/** `PAGE_SHARED`. */
export const PAGE_SHARED = 1 << 4;

/** DragonOS's page size: 2 MiB (`PAGE_2M_SIZE`). */
export const PAGE_2M_SIZE = 0x20_0000;

/** The zone names, in `zone_select` bit order. */
export const ZONE_NAMES: Readonly<Record<number, string>> = {
  [ZONE_DMA]: "DMA",
  [ZONE_NORMAL]: "Normal",
  [ZONE_UNMAPPED_IN_PGT]: "Unmapped",
};

/** A `struct Page`: what the API returns for a page frame. */
export interface Page {
  /** The frame's physical address. */
  readonly addrPhys: bigint;
  /** The zone the frame belongs to (`ZONE_DMA`, ...). */
  readonly zone: number;
  /** `PAGE_*` flags; 0 while free. */
  attr: number;
  /** References (1 while allocated). */
  refCounts: number;
  /** Which `alloc_pages` call holds the frame (0 while free): frees stay inside it. */
  allocation: number;
}

/**
 * A `free_pages` that the original would have done wrong: a page already
 * free (`DoubleFree`), or a range that runs past the allocation the first
 * page belongs to into a neighbour's pages or out of the zone
 * (`InvalidFree`). Nothing is freed.
 */
export class FreePagesError extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["DoubleFree", "InvalidFree"];
  /** The error class's name. */
  override readonly name = "FreePagesError";
  /** Creates the report. */
  constructor(code: "DoubleFree" | "InvalidFree", message: string) {
    super(code, message);
  }
}

/** A zone: a range of page frames. */
export interface Zone {
  /** `ZONE_DMA`, `ZONE_NORMAL` or `ZONE_UNMAPPED_IN_PGT`. */
  readonly id: number;
  /** The zone's name (`DMA`, `Normal`, `Unmapped`). */
  readonly name: string;
  /** The zone's frames, by address. */
  readonly pages: readonly Page[];
  /** Frames in use. */
  countPagesUsing: number;
  /** Frames free. */
  countPagesFree: number;
}

/** Where the zones end, in physical addresses. */
export interface ZoneLimits {
  /** Frames below this are `ZONE_DMA`. */
  dmaLimit: bigint;
  /** Frames at or above this are `ZONE_UNMAPPED_IN_PGT` (not linearly mapped). */
  mappedLimit: bigint;
}

/**
 * The zone rule of a platform: x86_64 keeps ISA DMA below 16 MiB; the
 * Raspberry Pi 4's devices reach the first GiB (bus offset `0xC000_0000`);
 * elsewhere the first 16 MiB of RAM is `ZONE_DMA`. Memory 4 GiB or more
 * above RAM's base is left unmapped (`ZONE_UNMAPPED_IN_PGT`).
 *
 * @example
 * ```ts
 * import { zoneLimits } from "./zoned_pages.ts";
 * import { getPlatform } from "../../hal/platform.ts";
 * console.log(zoneLimits(getPlatform("x86_64-qemu-q35")).dmaLimit); // 16777216n
 * ```
 */
export function zoneLimits(platform: Platform): ZoneLimits {
  const base = platform.ram[0].base;
  const dmaLimit = platform.arch === "x86_64"
    ? 0x100_0000n
    : platform.physBusOffset !== 0n
    ? 0x4000_0000n
    : base + 0x100_0000n;
  return { dmaLimit, mappedLimit: base + 0x1_0000_0000n };
}

/** Options of {@linkcode ZonedPageAllocator}. */
export interface ZonedPageAllocatorOptions {
  /** The page size (default 2 MiB), a power of two. */
  pageSize?: number;
  /** Zone boundaries (default: {@linkcode zoneLimits} of the platform). */
  limits?: ZoneLimits;
  /** Receives the allocator's warnings (`kerror` / `kwarn` lines). */
  log?: (line: string) => void;
  /** The free physical memory to manage (default: the platform's free RAM). */
  freeRegions?: readonly { base: bigint; size: bigint }[];
}

/**
 * The zoned page allocator over a platform's free RAM.
 *
 * @example
 * ```ts
 * import { ZONE_NORMAL, ZonedPageAllocator, PAGE_KERNEL } from "./zoned_pages.ts";
 * import { getPlatform } from "../../hal/platform.ts";
 * const pages = new ZonedPageAllocator(getPlatform("riscv64-qemu-virt"));
 * const p = pages.allocPages(ZONE_NORMAL, 2, PAGE_KERNEL)!;
 * console.log(p.addrPhys.toString(16), p.attr); // 81000000 9: ZONE_NORMAL starts 16 MiB into RAM
 * pages.freePages(p, 2);
 * ```
 */
export class ZonedPageAllocator {
  #allocations = 0;
  /** The page size in bytes. */
  readonly pageSize: number;
  /** The zones, `ZONE_DMA` first; empty zones included. */
  readonly zones: readonly Zone[];
  readonly #byFrame = new Map<bigint, { page: Page; zone: Zone; index: number }>();
  readonly #log: (line: string) => void;

  /** Lays out the zones over the free RAM of `platform`. */
  constructor(platform: Platform, options: ZonedPageAllocatorOptions = {}) {
    this.pageSize = options.pageSize ?? PAGE_2M_SIZE;
    this.#log = options.log ?? (() => {});
    const limits = options.limits ?? zoneLimits(platform);
    const size = BigInt(this.pageSize);
    const frames: Record<number, Page[]> = {
      [ZONE_DMA]: [],
      [ZONE_NORMAL]: [],
      [ZONE_UNMAPPED_IN_PGT]: [],
    };
    for (const r of options.freeRegions ?? freeMemoryRegions(platform)) {
      let a = (r.base + size - 1n) / size * size;
      for (; a + size <= r.base + r.size; a += size) {
        const zone = a < limits.dmaLimit
          ? ZONE_DMA
          : a < limits.mappedLimit
          ? ZONE_NORMAL
          : ZONE_UNMAPPED_IN_PGT;
        frames[zone].push({ addrPhys: a, zone, attr: 0, refCounts: 0, allocation: 0 });
      }
    }
    this.zones = [ZONE_DMA, ZONE_NORMAL, ZONE_UNMAPPED_IN_PGT].map((id) => {
      const zone: Zone = {
        id,
        name: ZONE_NAMES[id],
        pages: frames[id],
        countPagesUsing: 0,
        countPagesFree: frames[id].length,
      };
      zone.pages.forEach((page, index) => this.#byFrame.set(page.addrPhys, { page, zone, index }));
      return zone;
    });
  }

  /** The zone with id `id`. */
  zone(id: number): Zone {
    const z = this.zones.find((z) => z.id === id);
    if (z === undefined) throw new ArgumentError("zone", `no zone ${id}`);
    return z;
  }

  /** The `Page` of the frame at physical address `addr`, if it is managed. */
  pageAt(addr: bigint): Page | undefined {
    const size = BigInt(this.pageSize);
    return this.#byFrame.get(addr - (addr % size))?.page;
  }

  /**
   * `alloc_pages(zone_select, num, flags)`: `num` contiguous free pages,
   * first fit in the zone. `ZONE_DMA` and `ZONE_NORMAL` add
   * `PAGE_PGT_MAPPED` to the flags; `ZONE_UNMAPPED_IN_PGT` clears them.
   * Returns `null` (and logs why) for a bad zone, `num` outside `0 < num <
   * 64` (a check the original wrote so that it can never fire), or no
   * memory.
   */
  allocPages(zoneSelect: number, num: number, flags: number): Page | null {
    if (
      zoneSelect !== ZONE_DMA && zoneSelect !== ZONE_NORMAL && zoneSelect !== ZONE_UNMAPPED_IN_PGT
    ) {
      this.#log(`alloc_pages: zone_select ${zoneSelect} is not a zone`);
      return null;
    }
    if (!Number.isInteger(num) || num <= 0 || num >= 64) {
      this.#log(`alloc_pages: num ${num} is out of range (0 < num < 64)`);
      return null;
    }
    const attr = zoneSelect === ZONE_UNMAPPED_IN_PGT ? 0 : flags | PAGE_PGT_MAPPED;
    const zone = this.zone(zoneSelect);
    const size = BigInt(this.pageSize);
    if (zone.countPagesFree >= num) {
      const pages = zone.pages;
      let run = 0;
      for (let i = 0; i < pages.length; i++) {
        const contiguous = run > 0 && pages[i].addrPhys === pages[i - 1].addrPhys + size;
        run = pages[i].refCounts === 0 ? (contiguous || run === 0 ? run + 1 : 1) : 0;
        if (run === num) {
          const first = i - num + 1;
          const allocation = ++this.#allocations;
          for (let k = first; k <= i; k++) {
            pages[k].attr = attr;
            pages[k].refCounts = 1;
            pages[k].allocation = allocation;
          }
          zone.countPagesUsing += num;
          zone.countPagesFree -= num;
          return pages[first];
        }
      }
    }
    this.#log(`alloc_pages: no ${num} free contiguous pages in zone ${zone.name}`);
    return null;
  }

  /**
   * `free_pages(page, num)`: frees `num` pages from `page`, clearing their
   * attributes. Pages that are not allocated (a double free) or outside
   * the zones are reported with an `Error` and nothing is freed.
   */
  freePages(page: Page, num: number): void {
    if (!Number.isInteger(num) || num <= 0 || num >= 64) {
      throw new ArgumentError("num", `free_pages: num ${num} is out of range (0 < num < 64)`);
    }
    const at = this.#byFrame.get(page.addrPhys);
    if (at === undefined) {
      throw new ArgumentError(
        "page",
        `free_pages: 0x${page.addrPhys.toString(16)} is not a managed page`,
      );
    }
    const { zone, index } = at;
    const first = zone.pages[index];
    const name = `free_pages(0x${page.addrPhys.toString(16)}, ${num})`;
    if (first.refCounts === 0) {
      throw new FreePagesError(
        "DoubleFree",
        `${name}: 0x${page.addrPhys.toString(16)} is free (double free?)`,
      );
    }
    for (let k = 1; k < num; k++) {
      const p = zone.pages[index + k];
      if (p === undefined || p.allocation !== first.allocation) {
        const where = p === undefined
          ? "is past the zone"
          : p.refCounts === 0
          ? `(0x${p.addrPhys.toString(16)}) is free`
          : `(0x${p.addrPhys.toString(16)}) belongs to another allocation`;
        throw new FreePagesError(
          "InvalidFree",
          `${name}: page ${k} ${where}: more pages than the allocation holds from here`,
        );
      }
    }
    for (let k = 0; k < num; k++) {
      const p = zone.pages[index + k];
      p.attr = 0;
      p.refCounts = 0;
      p.allocation = 0;
    }
    zone.countPagesUsing -= num;
    zone.countPagesFree += num;
  }

  /**
   * The buddy view of the free pages for `/proc/buddyinfo`: per zone, the
   * number of free naturally aligned blocks of 2^order pages, orders 0..10,
   * as a buddy allocator holding the same free pages would keep them.
   */
  buddyInfo(): { zone: string; free: number[] }[] {
    const size = BigInt(this.pageSize);
    return this.zones.map((zone) => {
      const free = new Array<number>(11).fill(0);
      let i = 0;
      const pages = zone.pages;
      while (i < pages.length) {
        if (pages[i].refCounts !== 0) {
          i++;
          continue;
        }
        let j = i;
        while (
          j + 1 < pages.length && pages[j + 1].refCounts === 0 &&
          pages[j + 1].addrPhys === pages[j].addrPhys + size
        ) j++;
        // Carve [i, j] into the largest naturally aligned blocks.
        let frame = pages[i].addrPhys / size;
        let left = BigInt(j - i + 1);
        while (left > 0n) {
          let order = 0;
          while (
            order < 10 && frame % (2n << BigInt(order)) === 0n && (2n << BigInt(order)) <= left
          ) order++;
          free[order]++;
          frame += 1n << BigInt(order);
          left -= 1n << BigInt(order);
        }
        i = j + 1;
      }
      return { zone: zone.name, free };
    });
  }
}
