/**
 * `ax_alloc::UsageKind` and `Usages` (ax-alloc 0.8.13, `src/lib.rs`): the
 * bytes the global allocator has handed out, by what they are for. Both
 * ArceOS 2026 global allocators keep one: a byte allocation counts as
 * `RustHeap`, a page allocation as the kind its caller names.
 *
 * @module
 */

/** `ax_alloc::UsageKind`: what the memory is used for. */
export type UsageKind = "RustHeap" | "VirtMem" | "PageCache" | "PageTable" | "Dma" | "Global";

/** The usage kinds in `UsageKind`'s order. */
export const USAGE_KINDS: readonly UsageKind[] = [
  "RustHeap",
  "VirtMem",
  "PageCache",
  "PageTable",
  "Dma",
  "Global",
];

/**
 * `ax_alloc::Usages`: bytes in use per {@linkcode UsageKind}. The real
 * counters are `usize` and wrap (a release kernel has no overflow checks);
 * here a count that a mismatched free takes below 0 stays negative, and
 * {@linkcode Usages.toString} shows it as the `usize` the kernel would.
 *
 * @example
 * ```ts
 * import { Usages } from "./usages.ts";
 * const u = new Usages();
 * u.alloc("RustHeap", 64);
 * u.alloc("Dma", 8192);
 * u.dealloc("RustHeap", 64);
 * console.log(u.get("Dma"), u.toString());
 * // 8192 RustHeap: 0, VirtMem: 0, PageCache: 0, PageTable: 0, Dma: 8192, Global: 0
 * ```
 */
export class Usages {
  /** Bytes per kind, in {@linkcode USAGE_KINDS}' order (index 0: `RustHeap`). */
  readonly #bytes = new Float64Array(USAGE_KINDS.length);

  /** `Usages::alloc(kind, size)`. */
  alloc(kind: UsageKind, size: number): void {
    this.#bytes[USAGE_KINDS.indexOf(kind)] += size;
  }

  /** `Usages::dealloc(kind, size)`. */
  dealloc(kind: UsageKind, size: number): void {
    this.#bytes[USAGE_KINDS.indexOf(kind)] -= size;
  }

  /** `alloc(RustHeap, size)`, the byte allocations' kind, without looking the kind up. */
  allocHeap(size: number): void {
    this.#bytes[0] += size;
  }

  /** `dealloc(RustHeap, size)`. */
  deallocHeap(size: number): void {
    this.#bytes[0] -= size;
  }

  /** A copy (`Usages` is `Copy`: `usages()` hands out one). */
  copy(): Usages {
    const u = new Usages();
    u.#bytes.set(this.#bytes);
    return u;
  }

  /** `Usages::get(kind)`. */
  get(kind: UsageKind): number {
    return this.#bytes[USAGE_KINDS.indexOf(kind)];
  }

  /** Every kind's bytes. */
  all(): Record<UsageKind, number> {
    return Object.fromEntries(USAGE_KINDS.map((k, i) => [k, this.#bytes[i]])) as Record<
      UsageKind,
      number
    >;
  }

  /** `Kind: bytes` for every kind, a count below 0 as the wrapped `usize` the kernel holds. */
  toString(): string {
    return USAGE_KINDS.map((k, i) => {
      const n = this.#bytes[i];
      return `${k}: ${n >= 0 ? n : (1n << 64n) + BigInt(n)}`;
    }).join(", ");
  }
}
