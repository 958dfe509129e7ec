/**
 * Where a WebAssembly allocator's managed regions live: inside the module's
 * linear memory, above its own memory (stack, statics), each at an offset
 * with the same alignment as its simulated address up to the region's size
 * rounded up to a power of two, so that an algorithm that looks at address
 * bits sees what it would see at the simulated address. Addresses are
 * translated both ways; the bytes there are the region's bytes.
 *
 * @module
 */

import { hex, nextPowerOfTwo } from "../../hal/int.ts";

const WASM_PAGE = 65536;

/** One region: simulated `[start, start + size)` at linear-memory `offset`. */
export interface PlacedRegion {
  /** The simulated start address. */
  readonly start: number;
  /** Its size in bytes. */
  readonly size: number;
  /** Where it is in linear memory. */
  readonly offset: number;
}

/** A region that cannot be placed (the module's memory cannot grow that far). */
export class PlacementError extends Error {
  /** The error class's name. */
  override readonly name = "PlacementError";
}

/**
 * The regions of one module instance's linear memory.
 *
 * @example
 * ```ts
 * import { LinearRegions } from "./linear_memory.ts";
 * const memory = new WebAssembly.Memory({ initial: 17 }); // a module's 1.06 MiB
 * const regions = new LinearRegions(memory, 4);
 * const at = regions.place(0x9000_0000, 0x10_0000);
 * console.log(at.toString(16), regions.fromLinear(at + 16).toString(16)); // 100000 90000010
 * ```
 */
export class LinearRegions {
  readonly #memory: WebAssembly.Memory;
  readonly #regions: PlacedRegion[] = [];
  /** The first free offset above the module's own memory and the regions. */
  #top: number;
  readonly #limit: number;
  /** Whether the memory is a 64-bit one, whose `grow` takes a bigint. */
  readonly #memory64: boolean;
  #last: PlacedRegion | undefined;
  /** How far the memory reached after mmsim last grew it (past that, the module grew it). */
  #grownTo: number;
  #grownBytes = 0;

  /** Bytes mmsim grew the module's memory by, to hold the regions. */
  get grownBytes(): number {
    return this.#grownBytes;
  }

  /**
   * Regions in `memory`, above what it holds now; `pointerWidth` 4 caps it
   * at 4 GiB (wasm32).
   */
  constructor(memory: WebAssembly.Memory, pointerWidth: 4 | 8) {
    this.#memory = memory;
    this.#top = memory.buffer.byteLength;
    this.#grownTo = this.#top;
    this.#limit = pointerWidth === 4 ? 2 ** 32 : 2 ** 48;
    this.#memory64 = pointerWidth === 8;
  }

  /** The regions placed, in order. */
  get regions(): readonly PlacedRegion[] {
    return this.#regions;
  }

  /**
   * Places simulated `[start, start + size)` and grows the memory to hold
   * it; returns its offset. A region overlapping one already placed keeps
   * that one's translation (so the allocator sees the overlap).
   */
  place(start: number, size: number): number {
    // Memory the module grew for itself since the last region is its own:
    // a new region goes above it too.
    const now = this.#memory.buffer.byteLength;
    if (now > this.#grownTo) {
      this.#top = Math.max(this.#top, now);
      this.#grownTo = now;
    }
    for (const r of this.#regions) {
      if (start < r.start + r.size && r.start < start + size) {
        const offset = r.offset + (start - r.start);
        if (offset >= 0 && offset + size <= this.#limit) return this.#add(start, size, offset);
      }
    }
    const align = Math.min(nextPowerOfTwo(Math.max(size, 1)), 2 ** 31);
    const want = start % align;
    // A region that continues the last one continues it in linear memory
    // too, when its alignment allows: the allocator may merge the two, as it
    // would at the simulated addresses.
    const last = this.#regions[this.#regions.length - 1];
    if (
      last !== undefined && last.start + last.size === start &&
      last.offset + last.size === this.#top && this.#top % align === want &&
      this.#top + size <= this.#limit
    ) return this.#add(start, size, this.#top);
    // Otherwise a gap of at least a byte: regions apart in the simulation
    // must not touch in linear memory, where a block could span both.
    const floor = this.#top + (this.#regions.length > 0 ? 1 : 0);
    const offset = Math.ceil((floor - want) / align) * align + want;
    if (offset + size > this.#limit) {
      throw new PlacementError(
        `a region of ${hex(size)} bytes aligned like ${hex(start)} does not fit in ` +
          `the module's linear memory above ${hex(this.#top)} (at most ${hex(this.#limit)})`,
      );
    }
    return this.#add(start, size, offset);
  }

  #add(start: number, size: number, offset: number): number {
    const end = offset + size;
    const have = this.#memory.buffer.byteLength;
    if (end > have) {
      try {
        const pages = Math.ceil((end - have) / WASM_PAGE);
        // A memory64 memory counts its pages in a bigint.
        (this.#memory.grow as (delta: number | bigint) => unknown)(
          this.#memory64 ? BigInt(pages) : pages,
        );
        this.#grownBytes += pages * WASM_PAGE;
        this.#grownTo = this.#memory.buffer.byteLength;
      } catch (e) {
        throw new PlacementError(
          `the module's memory cannot grow to ${hex(end)} bytes for the region at ` +
            `${hex(start)} (${(e as Error).message})`,
        );
      }
    }
    const r = { start, size, offset };
    this.#regions.push(r);
    if (end > this.#top) this.#top = end;
    return offset;
  }

  /**
   * The offset of simulated `addr` inside a region (`[start, start + size)`:
   * a region's end is the next region's start, which may lie elsewhere in
   * linear memory), or -1 outside every region.
   */
  toLinear(addr: number): number {
    const last = this.#last;
    if (last !== undefined && addr >= last.start && addr < last.start + last.size) {
      return addr - last.start + last.offset;
    }
    for (const r of this.#regions) {
      if (addr >= r.start && addr < r.start + r.size) {
        this.#last = r;
        return addr - r.start + r.offset;
      }
    }
    return -1;
  }

  /**
   * The offset of `addr` outside every region too, by the nearest
   * region's translation (for a request the allocator must judge itself,
   * such as `alloc_pages_at` at a base it does not manage); -1 when that
   * is not an address of the module.
   */
  toLinearNear(addr: number): number {
    const inside = this.toLinear(addr);
    if (inside >= 0 || this.#regions.length === 0) return inside;
    let best = this.#regions[0];
    for (const r of this.#regions) {
      if (Math.abs(addr - r.start) < Math.abs(addr - best.start)) best = r;
    }
    const offset = addr - best.start + best.offset;
    return offset >= 0 && offset < this.#limit ? offset : -1;
  }

  /** The simulated address of linear `offset` inside a region (`[offset, offset + size)`), or -1. */
  fromLinear(offset: number): number {
    const last = this.#last;
    if (last !== undefined && offset >= last.offset && offset < last.offset + last.size) {
      return offset - last.offset + last.start;
    }
    for (const r of this.#regions) {
      if (offset >= r.offset && offset < r.offset + r.size) {
        this.#last = r;
        return offset - r.offset + r.start;
      }
    }
    return -1;
  }

  /**
   * The simulated address of a `bytes`-long block at linear `offset` when
   * all of it lies in managed memory and is contiguous there as in the
   * simulation (its first and last bytes translate `bytes - 1` apart), or -1.
   */
  blockFromLinear(offset: number, bytes: number): number {
    const addr = this.fromLinear(offset);
    if (addr < 0 || bytes <= 1) return addr;
    return this.fromLinear(offset + bytes - 1) === addr + bytes - 1 ? addr : -1;
  }

  /**
   * A live view of simulated `[start, start + size)` when one region holds
   * all of it (a new view after the memory grows; do not keep it).
   */
  bytes(start: number, size: number): Uint8Array | undefined {
    for (const r of this.#regions) {
      if (start >= r.start && start + size <= r.start + r.size) {
        return new Uint8Array(this.#memory.buffer, start - r.start + r.offset, size);
      }
    }
    return undefined;
  }
}
