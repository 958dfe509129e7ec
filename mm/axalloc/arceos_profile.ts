/**
 * Which ArceOS a simulated kernel runs, and the global allocator each
 * version has, as the kernel sees it.
 *
 * - `classic`: the seed documents' ArceOS: axalloc over the `allocator`
 *   crate 0.1 (a byte allocator that grows on a miss by taking pages from
 *   the bitmap page allocator): {@linkcode GlobalAllocator}.
 * - `2026-tlsf`: `ax-alloc` 0.8.13 with feature `tlsf` (tgoskits
 *   759e69c): one TLSF for bytes and pages ({@linkcode TlsfGlobalAllocator}).
 * - `2026-buddy-slab`: `ax-alloc` 0.8.13 with feature `buddy-slab`: the
 *   buddy page allocator under per-CPU slabs
 *   ({@linkcode BuddySlabGlobalAllocator}).
 *
 * {@linkcode ArceosGlobal2026} puts a 2026 model behind the members the
 * kernel, the trace recorder and the report use of the classic
 * {@linkcode GlobalAllocator}: {@linkcode KernelGlobalAllocator}.
 *
 * @module
 */

import type { GlobalAllocator, GlobalAllocatorObserver } from "./global_allocator.ts";
import { TlsfGlobalAllocator } from "./tlsf_global_allocator.ts";
import { BuddySlabGlobalAllocator } from "./buddy_slab_global_allocator.ts";
import type { UsageKind } from "./usages.ts";
import type { BitmapCapacity } from "../allocator/bitmap_page_allocator.ts";
import type { ByteAllocatorKind } from "../registry.ts";
import { AllocError } from "../allocator/alloc_error.ts";

/** The ArceOS versions a kernel can run. */
export type ArceosProfile = "classic" | "2026-tlsf" | "2026-buddy-slab";

/** Every {@linkcode ArceosProfile}, the default first. */
export const ARCEOS_PROFILES: readonly ArceosProfile[] = [
  "classic",
  "2026-tlsf",
  "2026-buddy-slab",
];

/** What each profile is, in a line. */
export const ARCEOS_PROFILE_TEXT: Readonly<Record<ArceosProfile, string>> = {
  "classic": "axalloc over the allocator crate 0.1 (grow-on-miss byte heap, bitmap pages)",
  "2026-tlsf": "ax-alloc 0.8.13 feature tlsf: one TLSF for bytes and pages",
  "2026-buddy-slab":
    "ax-alloc 0.8.13 feature buddy-slab: buddy pages under per-CPU slabs (buddy-slab-allocator 0.4.6)",
};

/** Whether `name` is an {@linkcode ArceosProfile}. */
export function isArceosProfile(name: string): name is ArceosProfile {
  return (ARCEOS_PROFILES as readonly string[]).includes(name);
}

/**
 * What the kernel asks of its global allocator, whichever version it runs:
 * the classic {@linkcode GlobalAllocator} has these members, and
 * {@linkcode ArceosGlobal2026} too.
 */
export type KernelGlobalAllocator =
  & Pick<
    GlobalAllocator,
    | "kind"
    | "pageCapacity"
    | "observe"
    | "name"
    | "heapRegions"
    | "heapStart"
    | "initialised"
    | "init"
    | "addMemory"
    | "alloc"
    | "dealloc"
    | "allocPages"
    | "allocPagesAt"
    | "deallocPages"
    | "usedBytes"
    | "availableBytes"
    | "usedPages"
    | "availablePages"
  >
  & {
    /** `alloc_dma32_pages(n, align)` where the version has it. */
    allocDma32Pages?(numPages: number, alignPow2: number): number;
  };

/** Options of {@linkcode ArceosGlobal2026}. */
export interface ArceosGlobal2026Options {
  /** CPUs the kernel brought up (default 1). */
  cpus?: number;
  /** The CPU each call runs on (default: CPU 0). */
  cpu?: () => number;
  /** The 64-bit address of the allocator's local address 0 (its window's origin). */
  origin?: bigint;
  /** Virtual minus physical address (for DMA32). */
  offset?: bigint;
}

/**
 * An ArceOS 2026 global allocator as the kernel sees it.
 *
 * @example
 * ```ts
 * import { ArceosGlobal2026 } from "./arceos_profile.ts";
 * let cpu = 0;
 * const g = new ArceosGlobal2026("2026-buddy-slab", { cpus: 2, cpu: () => cpu });
 * g.init(0x8040_0000, 0x80_0000);
 * const p = g.alloc(100, 8);
 * cpu = 1;
 * g.dealloc(p, 100, 8); // parked on CPU 0's slab until CPU 0 drains it
 * console.log(g.name(), g.usedPages()); // buddy-slab-allocator 1
 * ```
 */
export class ArceosGlobal2026 implements KernelGlobalAllocator {
  /** The model underneath. */
  readonly model: TlsfGlobalAllocator | BuddySlabGlobalAllocator;
  /** The profile. */
  readonly profile: Exclude<ArceosProfile, "classic">;
  readonly #cpu: () => number;
  readonly #regions: { start: number; size: number }[] = [];
  #observer: GlobalAllocatorObserver | undefined;
  #lastCpu = 0;
  #heapStart = -1;

  /** An uninitialised allocator of `profile`. */
  constructor(profile: Exclude<ArceosProfile, "classic">, options: ArceosGlobal2026Options = {}) {
    this.profile = profile;
    this.#cpu = options.cpu ?? (() => 0);
    this.model = profile === "2026-tlsf"
      ? new TlsfGlobalAllocator()
      : new BuddySlabGlobalAllocator({
        cpus: options.cpus,
        origin: options.origin,
        offset: options.offset,
      });
  }

  /** The byte allocator kind nearest to this version's (for the DMA allocator's own heap). */
  get kind(): ByteAllocatorKind {
    return this.profile === "2026-tlsf" ? "tlsf" : "buddy";
  }

  /** No bitmap page allocator in these versions. */
  get pageCapacity(): BitmapCapacity | undefined {
    return undefined;
  }

  /** Reports every later operation to `observer`, with the CPU it ran on. */
  observe(observer: GlobalAllocatorObserver | undefined): void {
    this.#observer = observer;
  }

  /** `GlobalAllocator::name`: `TLSF` or `buddy-slab-allocator`. */
  name(): string {
    return this.model.name;
  }

  /** The regions `init` and `add_memory` were given. */
  get heapRegions(): readonly { start: number; size: number }[] {
    return this.#regions;
  }

  /** The first heap byte (the buddy's first 2 MiB-aligned page; TLSF's region start); -1 before `init`. */
  get heapStart(): number {
    return this.#heapStart;
  }

  /** Whether `init` has run. */
  get initialised(): boolean {
    return this.#heapStart >= 0;
  }

  /** Sets the model's CPU to the caller's and tells the observer of a change. */
  #on(): void {
    const k = this.#cpu();
    if (this.model instanceof BuddySlabGlobalAllocator) this.model.cpu = k;
    if (k !== this.#lastCpu) {
      this.#lastCpu = k;
      this.#observer?.cpu?.(k);
    }
  }

  /** `global_init(start, size)`. */
  init(start: number, size: number): void {
    if (this.initialised) {
      throw new AllocError("AlreadyInitialized", {
        reason: "the global allocator is already initialised",
      });
    }
    this.#on();
    this.model.init(start, size);
    const m = this.model;
    this.#heapStart = m instanceof BuddySlabGlobalAllocator ? m.buddy.section(0)!.heapStart : start;
    this.#regions.push({ start, size });
    this.#observer?.init(start, size);
  }

  /** `global_add_memory(start, size)`. */
  addMemory(start: number, size: number): void {
    this.#on();
    this.model.addMemory(start, size);
    this.#regions.push({ start, size });
    this.#observer?.addMemory(start, size);
  }

  /** `alloc(layout)`. */
  alloc(size: number, align: number): number {
    this.#on();
    return this.#told(
      () => this.model.alloc(size, align),
      (r) => this.#observer?.alloc(size, align, r),
    );
  }

  /** `dealloc(ptr, layout)`. */
  dealloc(ptr: number, size: number, align: number): void {
    this.#on();
    this.model.dealloc(ptr, size, align);
    this.#observer?.dealloc(ptr, size, align);
  }

  /** `alloc_pages(n, align, UsageKind::Global)`. */
  allocPages(numPages: number, alignPow2: number): number {
    this.#on();
    return this.#told(
      () => this.model.allocPages(numPages, alignPow2),
      (r) => this.#observer?.allocPages(numPages, alignPow2, r),
    );
  }

  /** `alloc_dma32_pages(n, align, UsageKind::Dma)` (the TLSF version panics). */
  allocDma32Pages(numPages: number, alignPow2: number): number {
    this.#on();
    return this.#told(
      () => this.model.allocDma32Pages(numPages, alignPow2),
      (r) => this.#observer?.allocDma32Pages?.(numPages, alignPow2, r),
    );
  }

  /** `alloc_pages_at`: `unimplemented!()` in both versions. */
  allocPagesAt(base: number, numPages: number, alignPow2: number): number {
    this.#on();
    return this.model.allocPagesAt(base, numPages, alignPow2);
  }

  /** `dealloc_pages(pos, n, kind)`. */
  deallocPages(pos: number, numPages: number, kind: UsageKind = "Global"): void {
    this.#on();
    this.model.deallocPages(pos, numPages, kind);
    this.#observer?.deallocPages(pos, numPages);
  }

  #told(call: () => number, tell: (r: number | Error) => void): number {
    let r: number;
    try {
      r = call();
    } catch (e) {
      if (e instanceof AllocError) tell(e);
      throw e;
    }
    tell(r);
    return r;
  }

  /** The largest free block's bytes. */
  largestFreeBytes(): number {
    return this.model.largestFreeBlock();
  }

  /** The bytes the model manages. */
  totalBytes(): number {
    return this.model.totalBytes();
  }

  /** The model's `used_bytes`. */
  usedBytes(): number {
    return this.model.usedBytes();
  }

  /** The model's `available_bytes`. */
  availableBytes(): number {
    return this.model.availableBytes();
  }

  /** The model's `used_pages`. */
  usedPages(): number {
    return this.model.usedPages();
  }

  /** The model's `available_pages`. */
  availablePages(): number {
    return this.model.availablePages();
  }
}
