/**
 * Where a WebAssembly allocator's managed regions live: inside the module's
 * linear memory, apart from its own memory (stack, statics, what it grows),
 * at the simulated address modulo 2^31 where that fits, so that an
 * algorithm that looks at address bits sees what it would see at the
 * simulated address, and regions back to back in the simulation are back
 * to back there. Addresses are translated both ways; the bytes there are
 * the region's bytes.
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
 * console.log(at.toString(16), regions.fromLinear(at + 16).toString(16)); // 10000000 90000010
 * ```
 */
export class LinearRegions {
  readonly #memory: WebAssembly.Memory;
  readonly #regions: PlacedRegion[] = [];
  /** Linear memory the module owns: its initial memory, and what it grew itself. */
  readonly #owned: [number, number][];
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
    this.#owned = [[0, memory.buffer.byteLength]];
    this.#grownTo = memory.buffer.byteLength;
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
   *
   * The offset is congruent to `start` modulo 2^31 where it fits (every
   * region then has the same translation modulo 2^31: every alignment an
   * allocator can ask for is the same in linear memory as at the simulated
   * address, and regions back to back in the simulation are back to back
   * here, where the allocator may merge them); otherwise modulo the largest
   * power of two that fits, down to the region's size rounded up. It never
   * lies on memory the module owns (its initial memory and whatever it grew
   * itself), and regions apart in the simulation are apart here (a gap of
   * at least a byte: no block can span both).
   */
  place(start: number, size: number): number {
    // Memory the module grew for itself since the last look is its own.
    const now = this.#memory.buffer.byteLength;
    if (now > this.#grownTo) {
      this.#owned.push([this.#grownTo, now]);
      this.#grownTo = now;
    }
    for (const r of this.#regions) {
      if (start < r.start + r.size && r.start < start + size) {
        const offset = r.offset + (start - r.start);
        if (offset >= 0 && offset + size <= this.#limit) return this.#add(start, size, offset);
      }
    }
    const least = Math.min(nextPowerOfTwo(Math.max(size, 1)), 2 ** 31);
    let failure: PlacementError | undefined;
    for (let align = 2 ** 31; align >= least; align /= 2) {
      const offset = this.#freeOffset(start, size, align);
      if (offset < 0) continue;
      try {
        return this.#add(start, size, offset);
      } catch (e) {
        // The module's declared maximum: a lower offset may still fit.
        if (!(e instanceof PlacementError)) throw e;
        failure = e;
      }
    }
    throw failure ?? new PlacementError(
      `a region of ${hex(size)} bytes aligned like ${hex(start)} does not fit in ` +
        `the module's linear memory (at most ${hex(this.#limit)})`,
    );
  }

  /**
   * The lowest offset congruent to `start` modulo `align` where
   * `[offset, offset + size)` is free (see {@linkcode LinearRegions.place}),
   * or -1.
   */
  #freeOffset(start: number, size: number, align: number): number {
    // What the region must not touch: the module's memory, and the regions
    // (a byte wider on each side, unless the region continues that one).
    const taken: [number, number][] = this.#owned.map(([lo, hi]) => [lo, hi]);
    for (const r of this.#regions) {
      const before = r.start + r.size === start ? 0 : 1;
      const after = start + size === r.start ? 0 : 1;
      taken.push([r.offset - after, r.offset + r.size + before]);
    }
    let offset = start % align;
    for (let moved = true; moved;) {
      moved = false;
      if (offset + size > this.#limit) return -1;
      for (const [lo, hi] of taken) {
        if (offset < hi && lo < offset + size) {
          // Past this range, at the next offset with the same residue.
          offset += Math.ceil((hi - offset) / align) * align;
          moved = true;
        }
      }
    }
    return offset;
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
