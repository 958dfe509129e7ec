/**
 * DragonOS's (C era) slab `kmalloc` / `kzalloc` / `kfree`: 16 caches of
 * 32 B .. 1 MiB objects, each slab one page of the zoned page allocator,
 * objects aligned to their size, a bitmap per slab.
 *
 * Reproduced from the original: the first-fit bitmap scan; new slabs
 * inserted right after a cache's first slab; for caches up to 512 B the slab
 * header and bitmap at the end of the slab's own page, for larger ones
 * allocated with `kmalloc` itself; and the rule that gives an empty slab
 * back (no object in use, at least twice its objects free in the cache, and
 * not the cache's first slab). Not reproduced: the original's `kfree` flips
 * the object's bit with XOR, so a double free silently marks it used again;
 * mmsim reports it and changes nothing.
 *
 * @module
 */

import { ArgumentError, SimError } from "../../hal/sim_error.ts";
import { KernelPanic } from "../kernel_panic.ts";
import type { PhysicalMemory } from "../../hal/physical_memory.ts";
import { type Page, PAGE_KERNEL, ZONE_NORMAL, type ZonedPageAllocator } from "./zoned_pages.ts";

/** The object sizes of the 16 kmalloc caches. */
export const KMALLOC_SIZES: readonly number[] = Array.from({ length: 16 }, (_, i) => 32 << i);
/** The largest request `kmalloc` serves: 1 MiB. */
export const KMALLOC_MAX = 1 << 20;
/** `__GFP_ZERO`: zero the object. */
export const GFP_ZERO = 1 << 0;
/** `ECANNOT_FREE_MEM`: what `kfree` returns for an address no slab owns. */
export const ECANNOT_FREE_MEM = 103;
/** `sizeof(struct slab_obj)` on x86_64: a list head, a page pointer and six words. */
export const SLAB_OBJ_STRUCT_SIZE = 72;

/** One slab: a page cut into objects of one size. */
export interface Slab {
  /** The page the objects live in. */
  readonly page: Page;
  /** The page's kernel virtual address. */
  readonly vaddr: bigint;
  /** How many objects the slab has (`bmp_count`). */
  readonly bmpCount: number;
  /** Objects in use. */
  countUsing: number;
  /** Objects free. */
  countFree: number;
  /** One bit per object, set while in use. */
  readonly bmp: Uint8Array;
  /** For caches over 512 B: the kmalloc'ed `struct slab_obj` and bitmap. */
  readonly meta?: { struct: bigint; bmp: bigint; bmpLen: number };
}

/** One kmalloc cache (`struct slab`). */
export interface KmallocCache {
  /** Object size. */
  readonly size: number;
  /** Objects in use over all slabs. */
  countTotalUsing: number;
  /** Objects free over all slabs. */
  countTotalFree: number;
  /** The slabs; index 0 is `cache_pool_entry`, the list runs in order. */
  readonly slabs: Slab[];
}

/** Why `kfree` refused an address. */
export type KfreeProblem = "not-owned" | "not-object-start" | "double-free" | "page-table";

/** A `kfree` that the original would have got wrong: reported, nothing changed. */
export class KfreeError extends SimError {
  /** The codes of this class, by problem: not-owned, not-object-start, double-free. */
  static readonly codes: readonly string[] = ["ECANNOT_FREE_MEM", "InvalidFree", "DoubleFree"];
  /** The error class's name. */
  override readonly name = "KfreeError";
  /** What was wrong. */
  readonly problem: KfreeProblem;
  /** The address given to `kfree`. */
  readonly address: bigint;
  /** The object size of the cache whose slab holds the address, if any. */
  readonly cacheSize: number | undefined;
  /** The C code's return value: `ECANNOT_FREE_MEM` for addresses no slab owns, else 0. */
  readonly errno: number;
  /** Creates the report. */
  constructor(problem: KfreeProblem, address: bigint, cacheSize: number | undefined) {
    const a = `0x${address.toString(16)}`;
    super(
      problem === "not-owned"
        ? "ECANNOT_FREE_MEM"
        : problem === "double-free"
        ? "DoubleFree"
        : "InvalidFree",
      problem === "not-owned"
        ? `kfree(${a}): no slab owns this address (ECANNOT_FREE_MEM)`
        : problem === "not-object-start"
        ? `kfree(${a}): not the start of a ${cacheSize}-byte object`
        : problem === "page-table"
        ? `kfree(${a}): a live frame of a page table (unmap its mappings and the table frees it)`
        : `kfree(${a}): double free of a ${cacheSize}-byte object`,
    );
    this.problem = problem;
    this.address = address;
    this.cacheSize = cacheSize;
    this.errno = problem === "not-owned" ? ECANNOT_FREE_MEM : 0;
  }
}

/** Options of {@linkcode Kmalloc}. */
export interface KmallocOptions {
  /** Simulated RAM, for `kzalloc`'s zeroing. */
  ram?: PhysicalMemory;
  /** The linear mapping: a page's physical address to its kernel virtual address. */
  physToVirt: (p: bigint) => bigint;
  /** Receives the allocator's log lines (`kwarn` / `kerror`). */
  log?: (line: string) => void;
}

/**
 * The kmalloc caches.
 *
 * @example
 * ```ts
 * import { Kmalloc, KMALLOC_SIZES } from "./kmalloc.ts";
 * import { ZonedPageAllocator } from "./zoned_pages.ts";
 * import { getPlatform, physToVirt } from "../../hal/platform.ts";
 * import { phys } from "../../hal/address.ts";
 * const rv = getPlatform("riscv64-qemu-virt");
 * const km = new Kmalloc(new ZonedPageAllocator(rv), { physToVirt: (p) => physToVirt(rv, phys(p)) });
 * const p = km.kmalloc(80, 0)!; // a 128-byte object on a 128-byte boundary
 * console.log(p % 128n, km.cache(128).countTotalUsing); // 0n 1
 * km.kfree(p);
 * ```
 */
export class Kmalloc {
  readonly #pages: ZonedPageAllocator;
  readonly #caches: KmallocCache[];
  readonly #ram: PhysicalMemory | undefined;
  readonly #physToVirt: (p: bigint) => bigint;
  readonly #log: (line: string) => void;
  readonly #slabSize: number;

  /**
   * `slab_init()`: every cache gets its first slab, a page of
   * `ZONE_NORMAL`, with the header kept outside the page.
   */
  constructor(pages: ZonedPageAllocator, options: KmallocOptions) {
    this.#pages = pages;
    this.#ram = options.ram;
    this.#physToVirt = options.physToVirt;
    this.#log = options.log ?? (() => {});
    this.#slabSize = pages.pageSize;
    this.#caches = KMALLOC_SIZES.map((size) => {
      const page = pages.allocPages(ZONE_NORMAL, 1, PAGE_KERNEL);
      if (page === null) {
        throw new KernelPanic(
          `slab_init: no ZONE_NORMAL page for the ${size}-byte cache (the 16 kmalloc caches need ` +
            `16 pages; ZONE_NORMAL has ${pages.zone(ZONE_NORMAL).pages.length})`,
        );
      }
      const count = Math.floor(this.#slabSize / size);
      return {
        size,
        countTotalUsing: 0,
        countTotalFree: count,
        slabs: [emptySlab(page, this.#physToVirt(page.addrPhys), count)],
      };
    });
  }

  /** The caches, 32 B first. */
  get caches(): readonly KmallocCache[] {
    return this.#caches;
  }

  /** The cache of objects of `size` bytes. */
  cache(size: number): KmallocCache {
    const c = this.#caches.find((c) => c.size === size);
    if (c === undefined) throw new ArgumentError("size", `no ${size}-byte kmalloc cache`);
    return c;
  }

  /**
   * `kmalloc(size, gfp)`: an object of the smallest cache that holds
   * `size` (0 bytes included: the C original's search for the first cache
   * of at least `size` bytes gives 0 a 32-byte object); `null` (logged)
   * over 1 MiB, or when no page is left. `GFP_ZERO` zeroes it in simulated
   * RAM.
   */
  kmalloc(size: number, gfp: number): bigint | null {
    if (!Number.isInteger(size) || size < 0 || size > KMALLOC_MAX) {
      this.#log(
        size > KMALLOC_MAX
          ? `kmalloc(): Can't alloc such memory: ${size} bytes, because it is too large.`
          : `kmalloc(): Can't alloc ${size} bytes`,
      );
      return null;
    }
    // Plain loops, not callbacks, on this hot path: nothing for the JIT to
    // decide about inlining (the sanitizer's calls beside them change that).
    const caches = this.#caches;
    let ci = 0;
    while (caches[ci].size < size) ci++;
    const cache = caches[ci];
    let slab: Slab | undefined;
    if (cache.countTotalFree === 0) {
      const created = this.#createSlab(cache.size);
      if (created === null) {
        this.#log(`kmalloc(): Cannot alloc more memory: ${size} bytes`);
        return null;
      }
      cache.countTotalFree += created.countFree;
      cache.slabs.splice(1, 0, created); // list_add after cache_pool_entry
      slab = created;
    } else {
      const slabs = cache.slabs;
      for (let k = 0; k < slabs.length; k++) {
        if (slabs[k].countFree > 0) {
          slab = slabs[k];
          break;
        }
      }
    }
    const i = firstClear(slab!.bmp, slab!.bmpCount);
    slab!.bmp[i >> 3] |= 1 << (i & 7);
    slab!.countUsing++;
    slab!.countFree--;
    cache.countTotalFree--;
    cache.countTotalUsing++;
    const addr = slab!.vaddr + BigInt(cache.size * i);
    if ((gfp & GFP_ZERO) !== 0 && this.#ram !== undefined) {
      this.#ram.fill(this.#virtToPhys(slab!, addr), BigInt(size), 0);
    }
    return addr;
  }

  /** `kzalloc(size, gfp)`: `kmalloc` with `GFP_ZERO`. */
  kzalloc(size: number, gfp = 0): bigint | null {
    return this.kmalloc(size, gfp | GFP_ZERO);
  }

  /**
   * `kfree(address)`: `kfree(null)` (0) does nothing. Frees the object and
   * gives an emptied slab back under the original's rule. An address no
   * slab owns, inside an object, or of a free object throws a
   * {@linkcode KfreeError} and changes nothing.
   */
  kfree(address: bigint | null): void {
    if (address === null || address === 0n) return;
    const size = BigInt(this.#slabSize);
    const base = address - (address % size);
    for (const cache of this.#caches) {
      const slabs = cache.slabs;
      let idx = -1;
      for (let k = 0; k < slabs.length; k++) {
        if (slabs[k].vaddr === base) {
          idx = k;
          break;
        }
      }
      if (idx < 0) continue;
      const slab = cache.slabs[idx];
      const off = Number(address - base);
      const i = Math.floor(off / cache.size);
      if (off % cache.size !== 0 || i >= slab.bmpCount) {
        throw new KfreeError("not-object-start", address, cache.size);
      }
      if ((slab.bmp[i >> 3] & (1 << (i & 7))) === 0) {
        throw new KfreeError("double-free", address, cache.size);
      }
      slab.bmp[i >> 3] &= ~(1 << (i & 7));
      slab.countFree++;
      slab.countUsing--;
      cache.countTotalFree++;
      cache.countTotalUsing--;
      if (slab.countUsing === 0 && cache.countTotalFree >= slab.bmpCount * 2 && idx !== 0) {
        cache.slabs.splice(idx, 1);
        cache.countTotalFree -= slab.bmpCount;
        this.#pages.freePages(slab.page, 1);
        if (slab.meta !== undefined) {
          this.kfree(slab.meta.bmp);
          this.kfree(slab.meta.struct);
        }
      }
      return;
    }
    throw new KfreeError("not-owned", address, undefined);
  }

  /** The cache and slab holding the live object at `address`, if any. */
  objectAt(address: bigint): { cache: KmallocCache; slab: Slab; index: number } | undefined {
    const size = BigInt(this.#slabSize);
    const base = address - (address % size);
    for (const cache of this.#caches) {
      const slab = cache.slabs.find((s) => s.vaddr === base);
      if (slab === undefined) continue;
      const off = Number(address - base);
      const index = off / cache.size;
      if (!Number.isInteger(index) || index >= slab.bmpCount) return undefined;
      return (slab.bmp[index >> 3] & (1 << (index & 7))) !== 0 ? { cache, slab, index } : undefined;
    }
    return undefined;
  }

  /** `kmalloc_create_slab_obj(size)`: a new slab, or null when no page is left. */
  #createSlab(size: number): Slab | null {
    const page = this.#pages.allocPages(ZONE_NORMAL, 1, 0);
    if (page === null) return null;
    page.attr |= PAGE_KERNEL;
    const vaddr = this.#physToVirt(page.addrPhys);
    if (size <= 512) {
      // Header and bitmap at the end of the page, taking objects' room.
      const structSize = SLAB_OBJ_STRUCT_SIZE + this.#slabSize / size / 8;
      const count = Math.floor((this.#slabSize - structSize) / size);
      return emptySlab(page, vaddr, count);
    }
    const count = Math.floor(this.#slabSize / size);
    const bmpLen = Math.ceil(count / 64) * 8;
    const struct = this.kmalloc(SLAB_OBJ_STRUCT_SIZE, 0);
    const bmp = struct === null ? null : this.kmalloc(bmpLen, 0);
    if (struct === null || bmp === null) {
      if (struct !== null) this.kfree(struct);
      this.#pages.freePages(page, 1);
      return null;
    }
    return emptySlab(page, vaddr, count, { struct, bmp, bmpLen });
  }

  #virtToPhys(slab: Slab, addr: bigint): bigint {
    return slab.page.addrPhys + (addr - slab.vaddr);
  }
}

/** A slab of `count` free objects in `page`. */
function emptySlab(page: Page, vaddr: bigint, count: number, meta?: Slab["meta"]): Slab {
  return {
    page,
    vaddr,
    bmpCount: count,
    countUsing: 0,
    countFree: count,
    bmp: new Uint8Array(Math.ceil(count / 8)),
    meta,
  };
}

function firstClear(bmp: Uint8Array, count: number): number {
  for (let b = 0; b < bmp.length; b++) {
    if (bmp[b] === 0xff) continue;
    for (let k = 0; k < 8; k++) {
      const i = b * 8 + k;
      if (i < count && (bmp[b] & (1 << k)) === 0) return i;
    }
  }
  throw new Error("kmalloc: a slab with free objects has no clear bit");
}
