/**
 * The memory subsystem of a simulated ArceOS kernel: the tutorial's early
 * allocator, axalloc's global allocator on kernel virtual addresses, the
 * early-to-final switch, the boot wiring of free RAM, memory attributes for
 * DMA, and an ownership record so that every allocation is freed back to the
 * allocator that owns it.
 *
 * @module
 */

import {
  AddressWindow,
  phys,
  type PhysAddr,
  virt,
  type VirtAddr,
  wrappingAdd,
} from "../../hal/address.ts";
import { hex } from "../../hal/int.ts";
import { freeMemoryRegions } from "../../hal/memory_map.ts";
import { PhysicalMemory } from "../../hal/physical_memory.ts";
import { getPlatform, physToVirt, type Platform, virtToPhys } from "../../hal/platform.ts";
import { AllocError, isAllocError } from "../allocator/alloc_error.ts";
import {
  BITMAP_CAPACITY_PAGES,
  type BitmapCapacity,
  checkPagesAtBase,
} from "../allocator/bitmap_page_allocator.ts";
import { EARLY_PAGE_SIZE, EarlyAllocator, isPageRequest } from "./early_allocator.ts";
import { GLOBAL_PAGE_SIZE, GlobalAllocator } from "./global_allocator.ts";
import {
  ArceosGlobal2026,
  type ArceosProfile,
  type KernelGlobalAllocator,
} from "./arceos_profile.ts";
import type { ByteAllocatorKind } from "../registry.ts";
import { checkLayout } from "../allocator/layout.ts";
import { type ByteAllocator, hasManagedMemory, type PageAllocator } from "../allocator/traits.ts";
import { KernelHalted, KernelPanic } from "../kernel_panic.ts";
import type { ObjectKind, Shadow } from "../kasan/shadow.ts";

export { KernelHalted, KernelPanic } from "../kernel_panic.ts";

/** Which allocator owns a live allocation. */
export type Owner = "early-bytes" | "early-pages" | "global-bytes" | "global-pages";

/** How the sanitizer's reports call each owner's memory. */
const SHADOW_KIND: Record<Owner, ObjectKind> = {
  "early-bytes": "early bytes",
  "early-pages": "early pages",
  "global-bytes": "global bytes",
  "global-pages": "global pages",
};

/** Where the kernel is in its boot. */
export type BootStage = "boot" | "early" | "final";

/** A live allocation in the ownership record. */
export interface Allocation {
  /** Its kernel virtual address. */
  addr: VirtAddr;
  /** Which allocator owns it. */
  owner: Owner;
  /** Bytes (for page allocations, pages times 4096). */
  size: number;
  /** Alignment. */
  align: number;
}

/**
 * The smallest bitmap capacity feature covering a platform's RAM, counted
 * from the 1 GiB boundary below its lowest byte.
 *
 * @example
 * ```ts
 * import { capacityFor } from "./kernel_memory.ts";
 * import { getPlatform } from "../../hal/platform.ts";
 * console.log(capacityFor(getPlatform("aarch64-raspi4"))); // 4g
 * ```
 */
export function capacityFor(platform: Platform): BitmapCapacity {
  const lo = platform.ram[0].base;
  const last = platform.ram[platform.ram.length - 1];
  const span = last.base + last.size - (lo - (lo % 0x4000_0000n));
  const pages = (span + BigInt(GLOBAL_PAGE_SIZE) - 1n) / BigInt(GLOBAL_PAGE_SIZE);
  for (const [name, cap] of Object.entries(BITMAP_CAPACITY_PAGES) as [BitmapCapacity, number][]) {
    if (pages <= BigInt(cap)) return name;
  }
  throw new AllocError("InvalidParam", {
    reason: `${platform.name}'s RAM needs more than the largest bitmap (page-alloc-1t)`,
  });
}

/** Options of {@linkcode KernelMemory}. */
export interface KernelMemoryOptions {
  /** The platform, or its name (default `riscv64-qemu-virt`). */
  platform?: Platform | string;
  /** The global allocator's byte allocator (default `"tlsf"`). */
  byteAllocator?: ByteAllocatorKind;
  /**
   * A user's byte allocator in place of `byteAllocator`'s model (a
   * WebAssembly module's): `name` is what `GlobalAllocator::name` says. When
   * it manages real bytes, they become the simulated RAM of each region it
   * is given, so what a script writes into a block, the allocator sees.
   */
  userByteAllocator?: { name: string; allocator: ByteAllocator };
  /**
   * A user's page allocator in place of the bitmap (a WebAssembly module's);
   * its regions' bytes become the simulated RAM there, as above.
   */
  userPageAllocator?: PageAllocator;
  /**
   * The page allocator's capacity feature. By default, the smallest of
   * `256m`, `4g`, `64g`, `1t` whose bitmap covers the platform's RAM counted
   * from the 1 GiB boundary below it (ArceOS builds pick the feature the
   * same way by hand).
   */
  capacity?: BitmapCapacity;
  /** Receives the kernel's log lines (`expand heap memory: ...`). */
  log?: (line: string) => void;
  /** Simulated RAM to use (default: fresh RAM over the platform's regions). */
  ram?: PhysicalMemory;
  /** The sanitizer's shadow, told of every allocation and free (none: no sanitizer). */
  shadow?: Shadow;
  /** Which ArceOS runs (default `classic`). */
  profile?: ArceosProfile;
  /** CPUs the kernel brings up (default 1). */
  cpus?: number;
  /** The CPU the kernel's calls run on now (default: always CPU 0). */
  cpu?: () => number;
}

/**
 * The kernel's memory subsystem.
 *
 * @example The tutorial's two-stage boot on riscv64
 * ```ts
 * import { KernelMemory } from "./kernel_memory.ts";
 * const k = new KernelMemory();
 * k.earlyInit(k.skernel - 0x10_0000n, 0x10_0000);   // _skernel - 1 MiB
 * const s = k.alloc(11, 1);                          // String::from("from String")
 * k.finalInit();                                     // all free RAM to the global allocator
 * k.dealloc(s, 11, 1);                               // goes back to the early allocator
 * console.log(k.stage, k.ownerOf(s));                // final undefined
 * ```
 */
export class KernelMemory {
  /** The platform. */
  readonly platform: Platform;
  /** Simulated physical RAM. */
  readonly ram: PhysicalMemory;
  /** Maps kernel virtual addresses onto the allocators' numbers. */
  readonly window: AddressWindow;
  /** axalloc's global allocator (of the kernel's ArceOS version). */
  readonly global: KernelGlobalAllocator;
  /** The ArceOS version. */
  readonly profile: ArceosProfile;
  /** CPUs brought up. */
  readonly cpus: number;
  readonly #cpu: () => number;
  /** The tutorial's early allocator. */
  readonly early: EarlyAllocator = new EarlyAllocator();
  readonly #log: (line: string) => void;
  readonly #owners = new Map<number, Allocation>();
  /** The sanitizer's shadow, if the kernel runs with one. */
  readonly shadow: Shadow | undefined;
  readonly #uncached = new Set<number>();
  /** Live DMA32 page blocks (freed with `UsageKind::Dma`). */
  readonly #dma32 = new Set<number>();
  #earlyReady = false;
  #panic: KernelPanic | undefined;

  /** Creates the subsystem of a kernel that has not initialised any allocator. */
  constructor(options: KernelMemoryOptions = {}) {
    this.platform = typeof options.platform === "string" || options.platform === undefined
      ? getPlatform(options.platform)
      : options.platform;
    this.ram = options.ram ?? new PhysicalMemory(this.platform.ram);
    this.shadow = options.shadow;
    this.#log = options.log ?? (() => {});
    const lo = this.platform.ram[0].base;
    const last = this.platform.ram[this.platform.ram.length - 1];
    this.window = AddressWindow.forRegion(
      physToVirt(this.platform, phys(lo)),
      last.base + last.size - lo,
    );
    const user = options.userByteAllocator;
    for (const a of [user?.allocator, options.userPageAllocator]) {
      if (a === undefined || !hasManagedMemory(a)) continue;
      a.onRegion = (start, size) =>
        this.ram.attach(
          this.virtToPhys(this.toVirt(start)),
          size,
          (offset, length) => a.managedBytes(start + offset, length)!,
        );
    }
    this.profile = options.profile ?? "classic";
    this.cpus = options.cpus ?? 1;
    this.#cpu = options.cpu ?? (() => 0);
    if (this.profile !== "classic") {
      if (user !== undefined || options.userPageAllocator !== undefined) {
        throw new AllocError("InvalidParam", {
          reason: `ArceOS ${this.profile} has no place for a user's allocator ` +
            `(its global allocator is one piece); use the classic profile`,
        });
      }
      this.global = new ArceosGlobal2026(this.profile, {
        cpus: this.cpus,
        cpu: this.#cpu,
        origin: this.window.origin,
        offset: this.platform.physVirtOffset,
      });
      return;
    }
    this.global = new GlobalAllocator({
      byteAllocator: options.byteAllocator,
      userByteAllocator: user,
      userPageAllocator: options.userPageAllocator,
      capacity: options.capacity ?? capacityFor(this.platform),
      onExpand: (start, size) =>
        this.#log(
          `expand heap memory: [${this.window.format(start)}, ${this.window.format(start + size)})`,
        ),
    });
  }

  /** `_skernel`: the kernel image's first virtual address. */
  get skernel(): VirtAddr {
    return virt(this.platform.kernelVaddr);
  }

  /** `_ekernel`: the first virtual address past the kernel image. */
  get ekernel(): VirtAddr {
    return virt(this.platform.kernelVaddr + this.platform.kernelSize);
  }

  /** `boot` before any allocator, `early` after `earlyInit`, `final` once the global allocator runs. */
  get stage(): BootStage {
    return this.global.initialised ? "final" : this.#earlyReady ? "early" : "boot";
  }

  /** The panic that stopped the kernel, if it has panicked. */
  get panic(): KernelPanic | undefined {
    return this.#panic;
  }

  /** `virt_to_phys` of the platform's linear mapping. */
  virtToPhys(v: VirtAddr): PhysAddr {
    return virtToPhys(this.platform, v);
  }

  /** `phys_to_virt` of the platform's linear mapping. */
  physToVirt(p: PhysAddr): VirtAddr {
    return physToVirt(this.platform, p);
  }

  /** The allocators' number for a kernel virtual address. */
  toLocal(v: VirtAddr | bigint): number {
    return this.window.toLocal(v);
  }

  /** The kernel virtual address of an allocator number. */
  toVirt(n: number): VirtAddr {
    return this.window.toAddress(n) as VirtAddr;
  }

  /** `early_init(start, size)`: the early allocator takes the region. */
  earlyInit(start: VirtAddr | bigint, size: number | bigint): void {
    this.#alive();
    if (this.#earlyReady) {
      throw new AllocError("InvalidParam", { reason: "early_init ran already" });
    }
    this.#checkRam(start, size, "early_init");
    this.#checkEarlyRegion(start, BigInt(size));
    this.early.init(this.toLocal(start), Number(size));
    this.#earlyReady = true;
  }

  /** `global_init(start, size)`: the global allocator manages the region. */
  globalInit(start: VirtAddr | bigint, size: number | bigint): void {
    this.#alive();
    this.#checkRam(start, size, "global_init");
    this.#checkNotEarly(start, size, "global_init");
    this.global.init(this.toLocal(start), Number(size));
  }

  /** `global_add_memory(start, size)`: more memory for the byte allocator. */
  globalAddMemory(start: VirtAddr | bigint, size: number | bigint): void {
    this.#alive();
    this.#checkRam(start, size, "global_add_memory");
    this.#checkNotEarly(start, size, "global_add_memory");
    this.global.addMemory(this.toLocal(start), Number(size));
  }

  /**
   * `final_init()`: the boot wiring of ArceOS's `init_allocator`. The
   * largest free RAM region (RAM minus reserved regions, the kernel image
   * and MMIO) goes to `global_init`, every other one to
   * `global_add_memory`. Early allocations stay valid and owned by the
   * early allocator.
   */
  finalInit(): void {
    this.#alive();
    if (this.global.initialised) {
      throw new AllocError("InvalidParam", { reason: "final_init ran already" });
    }
    const free = freeMemoryRegions(this.platform);
    if (free.length === 0) {
      throw this.#die(new KernelPanic("no free memory to initialise the allocator"));
    }
    let largest = 0;
    for (let i = 1; i < free.length; i++) if (free[i].size > free[largest].size) largest = i;
    const v = (p: bigint) => physToVirt(this.platform, phys(p));
    this.#log(
      `initialize global allocator at: [${hex(v(free[largest].base))}, ${
        hex(v(free[largest].base + free[largest].size))
      })`,
    );
    this.globalInit(v(free[largest].base), free[largest].size);
    free.forEach((r, i) => {
      if (i !== largest) {
        this.#log(`add memory: [${hex(v(r.base))}, ${hex(v(r.base + r.size))})`);
        this.globalAddMemory(v(r.base), r.size);
      }
    });
  }

  /**
   * The kernel's `GlobalAlloc::alloc`. Before `finalInit`: the early
   * allocator, with the tutorial's dispatch (page-multiple sizes aligned to
   * exactly 4096 are page requests). After: the global allocator. Failure
   * is a kernel panic (`handle_alloc_error`).
   */
  alloc(size: number, align: number): VirtAddr {
    this.#alive();
    checkLayout(size, align);
    try {
      if (this.global.initialised) {
        return this.#record(this.global.alloc(size, align), "global-bytes", size, align);
      }
      if (!this.#earlyReady) {
        throw new AllocError("InvalidParam", { reason: "no allocator is initialised yet" });
      }
      return isPageRequest(size, align)
        ? this.#record(this.early.allocPages(size, align), "early-pages", size, align)
        : this.#record(this.early.allocBytes(size, align), "early-bytes", size, align);
    } catch (e) {
      if (!isAllocError(e)) throw e;
      const available = this.global.initialised
        ? this.global.availableBytes()
        : this.early.availableBytes();
      throw this.#die(
        new KernelPanic(
          `memory allocation of ${size} bytes (align ${align}) failed: ${e.message}` +
            ` (${available} bytes available)`,
          { request: { size, align }, availableBytes: available },
        ),
      );
    }
  }

  /**
   * The kernel's `GlobalAlloc::dealloc`: frees into the allocator that made
   * the allocation (the tutorial's switch gets this wrong). Early pages are
   * never freed, as in the tutorial. An address the record does not hold
   * is `NotAllocated`; a different layout is `InvalidParam`.
   */
  dealloc(ptr: VirtAddr | bigint, size: number, align: number): void {
    this.#alive();
    if (ptr === 0n) throw this.#die(new KernelPanic("dealloc of a null pointer"));
    const a = this.#take(ptr, ["early-bytes", "early-pages", "global-bytes"], size, align);
    switch (a.owner) {
      case "early-bytes":
        this.early.deallocBytes();
        break;
      case "early-pages":
        this.#freeEarlyPages(a);
        break;
      default:
        this.global.dealloc(this.toLocal(a.addr), size, align);
    }
  }

  /**
   * `global_allocator().alloc_pages(n, align)` (before the global allocator
   * runs: the early allocator's pages). Failures are `AllocError`s.
   */
  allocPages(numPages: number, alignPow2: number): VirtAddr {
    this.#alive();
    if (!this.global.initialised && this.#earlyReady) {
      const size = numPages * EARLY_PAGE_SIZE;
      return this.#record(this.early.allocPages(size, alignPow2), "early-pages", size, alignPow2);
    }
    const p = this.global.allocPages(numPages, alignPow2);
    return this.#record(p, "global-pages", numPages * GLOBAL_PAGE_SIZE, alignPow2);
  }

  /**
   * `global_allocator().alloc_dma32_pages(n, align)` (ArceOS 2026): pages
   * whose physical end lies at or below 4 GiB. The classic ArceOS has no
   * such call (`InvalidParam`); the TLSF version panics, as it does.
   */
  allocDma32Pages(numPages: number, alignPow2: number): VirtAddr {
    this.#alive();
    const g = this.global;
    if (g.allocDma32Pages === undefined) {
      throw new AllocError("InvalidParam", {
        reason: "the classic ArceOS has no alloc_dma32_pages " +
          '(kernel arceos = "2026-buddy-slab" has it)',
      });
    }
    let p: number;
    try {
      p = g.allocDma32Pages(numPages, alignPow2);
    } catch (e) {
      if (e instanceof KernelPanic) throw this.#die(e);
      throw e;
    }
    // The global allocator's pages, told apart in reports (usages() counts them as Dma).
    const addr = this.#record(
      p,
      "global-pages",
      numPages * GLOBAL_PAGE_SIZE,
      alignPow2,
      "DMA32 pages",
    );
    this.#dma32.add(p);
    return addr;
  }

  /** The CPU the kernel's calls run on now. */
  get cpu(): number {
    return this.#cpu();
  }

  /** `global_allocator().alloc_pages_at(base, n, align)`: exactly those pages. */
  allocPagesAt(base: VirtAddr | bigint, numPages: number, alignPow2: number): VirtAddr {
    this.#alive();
    if (!this.window.contains(base)) {
      // Far from RAM: the real parameter checks first, then NoMemory.
      checkPagesAtBase(base, alignPow2, GLOBAL_PAGE_SIZE);
      throw new AllocError("NoMemory", {
        reason: `${hex(base)} is not memory this kernel manages`,
      });
    }
    const p = this.global.allocPagesAt(this.toLocal(base), numPages, alignPow2);
    return this.#record(p, "global-pages", numPages * GLOBAL_PAGE_SIZE, alignPow2);
  }

  /** `global_allocator().dealloc_pages(pos, n)`, checked against the record. */
  deallocPages(pos: VirtAddr | bigint, numPages: number): void {
    this.#alive();
    const size = numPages * GLOBAL_PAGE_SIZE;
    const a = this.#take(pos, ["global-pages", "early-pages"], size, undefined);
    if (a.owner === "early-pages") return this.#freeEarlyPages(a);
    const local = this.toLocal(a.addr);
    if (this.#dma32.delete(local) && this.global instanceof ArceosGlobal2026) {
      this.global.deallocPages(local, numPages, "Dma");
    } else this.global.deallocPages(local, numPages);
  }

  /** Who owns the live allocation at `addr`, if any. */
  ownerOf(addr: VirtAddr | bigint): Owner | undefined {
    return this.#owners.get(this.toLocal(addr))?.owner;
  }

  /** Every live allocation, by address. */
  allocations(): Allocation[] {
    return [...this.#owners.values()].sort((a, b) => (a.addr < b.addr ? -1 : 1));
  }

  /** Bytes in use by the current stage's byte allocator. */
  usedBytes(): number {
    return this.global.initialised ? this.global.usedBytes() : this.early.usedBytes();
  }

  /** Bytes available to the current stage's byte allocator. */
  availableBytes(): number {
    return this.global.initialised ? this.global.availableBytes() : this.early.availableBytes();
  }

  /** Pages in use by the current stage's page allocator. */
  usedPages(): number {
    return this.global.initialised ? this.global.usedPages() : this.early.usedPages();
  }

  /** Pages available to the current stage's page allocator. */
  availablePages(): number {
    return this.global.initialised ? this.global.availablePages() : this.early.availablePages();
  }

  /** Marks `numPages` pages at `vaddr` uncached (`true`) or normal. */
  setUncached(vaddr: VirtAddr | bigint, numPages: number, uncached: boolean): void {
    const first = this.toLocal(vaddr);
    for (let i = 0; i < numPages; i++) {
      const page = first + i * GLOBAL_PAGE_SIZE;
      if (uncached) this.#uncached.add(page);
      else this.#uncached.delete(page);
    }
  }

  /** The caching attribute of the page holding `vaddr`. */
  memoryAttribute(vaddr: VirtAddr | bigint): "normal" | "uncached" {
    const local = this.toLocal(vaddr);
    return this.#uncached.has(local - (local % GLOBAL_PAGE_SIZE)) ? "uncached" : "normal";
  }

  /**
   * Early pages handed back. During the early stage the tutorial's
   * `EarlyAllocator::dealloc_pages` runs, which is `unimplemented!()`: the
   * kernel panics. After the switch they stay where they are (mmsim keeps
   * the kernel from freeing them into the global allocator, which never
   * owned them).
   */
  #freeEarlyPages(a: Allocation): void {
    if (this.stage === "early") {
      throw this.#die(
        new KernelPanic(
          `not implemented: EarlyAllocator::dealloc_pages (freeing the early pages at ` +
            `${hex(a.addr)}; the tutorial's early allocator never frees pages)`,
        ),
      );
    }
    this.#log(`early pages at ${hex(a.addr)} are never freed`);
  }

  /** Records a live allocation; `kind` is what the sanitizer and the report call it. */
  #record(
    local: number,
    owner: Owner,
    size: number,
    align: number,
    kind: ObjectKind = SHADOW_KIND[owner],
  ): VirtAddr {
    const addr = this.toVirt(local);
    this.#owners.set(local, { addr, owner, size, align });
    this.shadow?.allocated(this.virtToPhys(addr), size, size, kind, undefined, align);
    return addr;
  }

  #take(
    ptr: VirtAddr | bigint,
    owners: Owner[],
    size: number,
    align: number | undefined,
  ): Allocation {
    const local = this.window.contains(ptr) ? this.toLocal(ptr) : -1;
    const a = this.#owners.get(local);
    if (a === undefined || !owners.includes(a.owner)) {
      const refused = new AllocError("NotAllocated", {
        address: local,
        reason: a === undefined
          ? `${hex(ptr)} is not a live allocation of this kernel (double free or foreign pointer)`
          : `${hex(ptr)} is a ${a.owner} allocation; free it with the matching call`,
      });
      if (this.shadow !== undefined && a === undefined) {
        const pa = virtToPhys(this.platform, virt(ptr));
        throw this.shadow.badFree(pa, "dealloc", "NotAllocated", refused.message);
      }
      throw refused;
    }
    if (a.size !== size || (align !== undefined && a.align !== align)) {
      throw new AllocError("InvalidParam", {
        address: local,
        reason: `${hex(ptr)} was allocated with size ${a.size} align ${a.align}, ` +
          `freed with size ${size}${align === undefined ? "" : ` align ${align}`}`,
      });
    }
    this.#owners.delete(local);
    this.shadow?.freed(this.virtToPhys(a.addr));
    return a;
  }

  #checkRam(start: bigint, size: number | bigint, what: string): void {
    const p = virtToPhys(this.platform, virt(start));
    if (!this.ram.isRam(p, BigInt(size))) {
      throw new AllocError("InvalidParam", {
        reason: `${what}: [${hex(start)}, +${hex(BigInt(size))}) is not RAM ` +
          `(physical ${hex(p)} on ${this.platform.name})`,
      });
    }
    if (!this.window.contains(wrappingAdd(start, BigInt(size)))) {
      throw new AllocError("InvalidParam", { reason: `${what}: the region leaves kernel space` });
    }
  }

  /**
   * The early heap may not lie on what the kernel or the firmware use: the
   * kernel image, the part of a reserved region the firmware uses, MMIO.
   * (The tutorial's heap, the upper half of the SBI region, is fine.)
   */
  #checkEarlyRegion(start: bigint, size: bigint): void {
    const p = virtToPhys(this.platform, virt(start));
    const end = p + size;
    const taken = [
      { what: "the kernel image", base: this.platform.kernelPaddr, size: this.platform.kernelSize },
      ...this.platform.reserved.map((r) => ({
        what: `the firmware's part of the reserved region ${r.name}`,
        base: r.base,
        size: r.used ?? r.size,
      })),
      ...this.platform.mmio.map((r) => ({ what: `the MMIO region ${r.name}`, ...r })),
    ];
    for (const t of taken) {
      if (p < t.base + t.size && t.base < end) {
        throw new AllocError("InvalidParam", {
          reason: `early_init: [${hex(start)}, ${hex(wrappingAdd(start, size))}) overlaps ` +
            `${t.what} (physical [${hex(t.base)}, ${hex(t.base + t.size)}))`,
        });
      }
    }
  }

  /**
   * Memory for the global allocator may not overlap the early allocator's
   * heap: the same bytes would be handed out twice (the early allocations
   * stay live across the switch).
   */
  #checkNotEarly(start: bigint, size: number | bigint, what: string): void {
    if (!this.#earlyReady) return;
    const s = this.toLocal(start);
    const e = s + Number(size);
    if (s < this.early.end && this.early.start < e) {
      throw new AllocError("InvalidParam", {
        reason: `${what}: [${hex(start)}, ${hex(wrappingAdd(start, BigInt(size)))}) for the ` +
          `global allocator overlaps the early allocator's heap [${
            hex(this.toVirt(this.early.start))
          }, ` +
          `${hex(this.toVirt(this.early.end))})`,
      });
    }
  }

  #alive(): void {
    if (this.#panic !== undefined) throw new KernelHalted(this.#panic);
  }

  #die(p: KernelPanic): KernelPanic {
    this.#panic = p;
    return p;
  }
}
