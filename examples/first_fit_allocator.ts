/**
 * A complete small byte allocator, written against mmsim's `ByteAllocator`
 * interface: first fit over a sorted list of free ranges, coalescing on free.
 * It is what an OS student might write first, and it passes the conformance
 * suite:
 *
 * ```sh
 * deno task conformance --allocator examples/first_fit_allocator.ts --allow-user-code
 * ```
 *
 * The interface: `init(start, size)` and `addMemory(start, size)` give it
 * memory; `alloc(size, align)` returns an address or throws an `AllocError`
 * (`NoMemory`, `InvalidParam` for an alignment that is not a power of two);
 * `dealloc(ptr, size, align)` frees; `totalBytes()`, `usedBytes()`,
 * `availableBytes()` report. Addresses are plain numbers.
 *
 * @module
 */

import { AllocError, type ByteAllocator } from "../mod.ts";

interface Range {
  start: number;
  end: number;
}

/**
 * First-fit allocator.
 *
 * @example
 * ```ts
 * import { FirstFitAllocator } from "./first_fit_allocator.ts";
 * const a = new FirstFitAllocator();
 * a.init(0x9000_0000, 0x1000);
 * const p = a.alloc(100, 16);
 * a.dealloc(p, 100, 16);
 * ```
 */
export class FirstFitAllocator implements ByteAllocator {
  /** Free ranges, sorted by address, never touching each other. */
  protected free: Range[] = [];
  /** Live allocations: address -> the range they took. */
  protected live = new Map<number, Range>();
  #total = 0;
  #used = 0;

  /** Takes `[start, start + size)`. */
  init(start: number, size: number): void {
    this.addMemory(start, size);
  }

  /** Adds `[start, start + size)`; overlapping memory is `MemoryOverlap`. */
  addMemory(start: number, size: number): void {
    const r = { start, end: start + size };
    if (this.free.some((f) => f.start < r.end && r.start < f.end)) {
      throw new AllocError("MemoryOverlap", { address: start });
    }
    this.#insert(r);
    this.#total += size;
  }

  /** First fit: the lowest free range that holds `size` bytes at an aligned address. */
  alloc(size: number, align: number): number {
    if (!(align > 0 && (align & (align - 1)) === 0)) {
      throw new AllocError("InvalidParam", { reason: `alignment ${align} is not a power of two` });
    }
    const need = Math.max(size, 1);
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i];
      const p = Math.ceil(f.start / align) * align;
      if (p + need > f.end) continue;
      // Split: what is left before and after the block stays free.
      const rest: Range[] = [];
      if (p > f.start) rest.push({ start: f.start, end: p });
      if (p + need < f.end) rest.push({ start: p + need, end: f.end });
      this.free.splice(i, 1, ...rest);
      this.live.set(p, { start: p, end: p + need });
      this.#used += size;
      return p;
    }
    throw new AllocError("NoMemory", {
      reason: `no free range holds ${size} bytes aligned to ${align}`,
    });
  }

  /** Frees a live block, merging it with free neighbours. */
  dealloc(ptr: number, size: number, _align: number): void {
    const r = this.live.get(ptr);
    if (r === undefined) throw new AllocError("NotAllocated", { address: ptr });
    this.live.delete(ptr);
    this.#insert(r);
    this.#used -= size;
  }

  /** Bytes given to the allocator. */
  totalBytes(): number {
    return this.#total;
  }

  /** Bytes requested by live allocations. */
  usedBytes(): number {
    return this.#used;
  }

  /** `totalBytes() - usedBytes()`. */
  availableBytes(): number {
    return this.#total - this.#used;
  }

  #insert(r: Range): void {
    let i = 0;
    while (i < this.free.length && this.free[i].start < r.start) i++;
    this.free.splice(i, 0, { ...r });
    // Coalesce with the neighbours that touch it.
    if (i + 1 < this.free.length && this.free[i].end === this.free[i + 1].start) {
      this.free[i].end = this.free[i + 1].end;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].end === this.free[i].start) {
      this.free[i - 1].end = this.free[i].end;
      this.free.splice(i, 1);
    }
  }
}
