/**
 * ArceOS `allocator::TlsfByteAllocator`: a model of
 * `rlsf::Tlsf<'static, u32, u32, 28, 32>` (rlsf 0.2.1), on a 64-bit target
 * by default or a 32-bit one (`pointerWidth: 4`, as built for wasm32).
 *
 * Two-level segregated fit: 28 first-level classes by power of two, 32
 * second-level subdivisions each, a granularity of four pointers (32 bytes;
 * 16 on a 32-bit target), a header of two pointers in front of every used
 * block, and a sentinel block of one granule closing each pool.
 * Block headers live in typed arrays instead of the simulated bytes, but
 * every size, address and list order is the real allocator's.
 *
 * @module
 */

import { alignUp, hex, log2Floor, POW2 } from "../../hal/int.ts";
import { ADDRESS_INT_MAP_MISSING, AddressIntMap } from "./address_map.ts";
import { RegionList } from "./region_list.ts";
import { AllocError, NO_MEMORY } from "./alloc_error.ts";
import type { ByteAllocator } from "./traits.ts";
import { checkLayout, checkRegion, type PointerWidthOptions } from "./layout.ts";

/** First-level list count (`FLLEN`). */
export const TLSF_FLLEN = 28;
/** Second-level list count (`SLLEN`). */
export const TLSF_SLLEN = 32;
/** Allocation granularity on a 64-bit target, and the smallest block. */
export const TLSF_GRANULARITY = 32;
/** The size of a used block's header on a 64-bit target. */
export const TLSF_USED_HEADER = TLSF_GRANULARITY / 2;
/**
 * The largest pool one free block can span on a 64-bit target:
 * `GRANULARITY << FLLEN` (on a 32-bit target that shift reaches the word's
 * width and rlsf sets no limit).
 */
export const TLSF_MAX_POOL_SIZE = TLSF_GRANULARITY * 2 ** TLSF_FLLEN;

/** A block's flag: in use (allocated, or a pool's closing sentinel, which never merges). */
const USED = 1;
/** No block (a null link). */
const NONE = -1;

/** Block tables an allocator handed back ({@linkcode TlsfByteAllocator.recycle}). */
let spareTables: {
  addr: Float64Array<ArrayBuffer>;
  size: Float64Array<ArrayBuffer>;
  flags: Uint8Array<ArrayBuffer>;
  prevPhys: Int32Array<ArrayBuffer>;
  nextPhys: Int32Array<ArrayBuffer>;
  prevFree: Int32Array<ArrayBuffer>;
  nextFree: Int32Array<ArrayBuffer>;
  reqSize: Float64Array<ArrayBuffer>;
  reqAlign: Float64Array<ArrayBuffer>;
  ptr: Float64Array<ArrayBuffer>;
} | undefined;

// The list mappings take a 32-bit path for sizes below 2 GiB and keep the
// rest out of line, so that they inline into the hot paths. `g` is the
// granularity's log2. The second level is the 5 bits below the size's top
// bit (rlsf rotates the size, so that on a 32-bit target a 16-byte block's
// 5 bits are the size shifted left).

/** `(fl, sl)` of the list a free block of `size` belongs to, or -1 past `FLLEN`. */
function mapFloor(size: number, g: number): number {
  if (size >= 0x8000_0000) return mapFloorLarge(size, g);
  const shift = 26 - Math.clz32(size); // floor(log2(size)) - log2(SLLEN)
  const sl = shift >= 0 ? size >>> shift : size << -shift;
  return ((shift + 5 - g) << 5) | (sl & 31);
}

function mapFloorLarge(size: number, g: number): number {
  const top = log2Floor(size);
  const fl = top - g;
  if (fl >= TLSF_FLLEN) return -1;
  const sl = Math.floor(size / POW2[top - 5]) & (TLSF_SLLEN - 1);
  return fl * TLSF_SLLEN + sl;
}

/** The first list whose every block is at least `size`, or -1. */
function mapCeil(size: number, g: number): number {
  if (size >= 0x8000_0000) return mapCeilLarge(size, g);
  const shift = 26 - Math.clz32(size);
  let fl = shift + 5 - g;
  let sl: number;
  if (shift >= 0) {
    sl = size >>> shift;
    if (sl << shift !== size) sl++;
  } else sl = size << -shift;
  if (sl >= 2 * TLSF_SLLEN) fl++;
  if (fl >= TLSF_FLLEN) return -1;
  return (fl << 5) | (sl & 31);
}

function mapCeilLarge(size: number, g: number): number {
  const top = log2Floor(size);
  let fl = top - g;
  const unit = POW2[top - 5];
  let sl = Math.floor(size / unit);
  if (sl * unit !== size) sl++;
  if (sl >= 2 * TLSF_SLLEN) fl++;
  if (fl >= TLSF_FLLEN) return -1;
  return (fl << 5) | (sl & 31);
}

/** The index of the lowest set bit of `bits` at or above `start` (0..31), or 32. */
function bitScanForward(bits: number, start: number): number {
  const masked = (bits >>> start) << start;
  return masked === 0 ? 32 : 31 - Math.clz32(masked & -masked);
}

// The errors, out of line: the hot paths stay small enough to inline.

function noFit(size: number, align: number): AllocError {
  return new AllocError("NoMemory", {
    reason: `no free block can hold ${size} bytes aligned to ${align}`,
  });
}

function notLive(ptr: number): AllocError {
  return new AllocError("NotAllocated", {
    address: ptr,
    reason: `${hex(ptr)} is not an allocated TLSF block (double free or foreign pointer)`,
  });
}

function wrongLayout(
  ptr: number,
  size: number,
  align: number,
  freedSize: number,
  freedAlign: number,
): AllocError {
  return new AllocError("InvalidParam", {
    address: ptr,
    reason: `${hex(ptr)} was allocated with size ${size} align ${align}, ` +
      `freed with size ${freedSize} align ${freedAlign}`,
  });
}

/**
 * The TLSF byte allocator. `usedBytes` counts requested sizes and
 * `totalBytes` the raw sizes given to `init`/`addMemory`, as the wrapper does.
 *
 * @example
 * ```ts
 * import { TlsfByteAllocator } from "./tlsf_byte_allocator.ts";
 * const a = new TlsfByteAllocator();
 * a.init(0x8000_0000, 0x10_0000);
 * console.log(a.alloc(100, 8).toString(16)); // 80000010: just past the 16-byte header
 * ```
 */
export class TlsfByteAllocator implements ByteAllocator {
  /** The granularity's log2: 5, or 4 on a 32-bit target. */
  readonly #g: number;
  /** The granularity (four pointers). */
  readonly #gran: number;
  /** A used block's header (two pointers). */
  readonly #header: number;
  /** The largest pool a free block can span (unlimited on a 32-bit target). */
  readonly #maxPool: number;
  #flBitmap = 0;
  readonly #slBitmap = new Uint32Array(TLSF_FLLEN);
  /** Per list, its first free block (or `NONE`). */
  readonly #firstFree = new Int32Array(TLSF_FLLEN * TLSF_SLLEN).fill(NONE);
  // Block headers, struct-of-arrays by block index (no objects, no write
  // barriers): start address, size with header, flags, physical and free
  // list links, and a used block's layout.
  #addr = new Float64Array(64);
  #size = new Float64Array(64);
  #flags = new Uint8Array(64);
  #prevPhys = new Int32Array(64);
  #nextPhys = new Int32Array(64);
  // The free list links are kept at index `block + 1`: slot 0 takes the
  // writes through a missing link (`NONE + 1`), so that linking and
  // unlinking need no branch on a neighbour (the lists' shapes are random,
  // and such a branch mispredicts). The spare chain uses `#nextFree` too.
  #prevFree = new Int32Array(65);
  #nextFree = new Int32Array(65);
  #reqSize = new Float64Array(64);
  #reqAlign = new Float64Array(64);
  #blockCount = 0;
  /** Indices of blocks merged away (their headers are gone), chained by `#nextFree`. */
  #spare = NONE;
  /** A used block's payload pointer (-1 for every other block): a handle's check. */
  #ptr = new Float64Array(64);
  /**
   * Live allocations: payload pointer -> its block, made on the first free
   * without a handle (a replay, which frees by handle, never needs it).
   */
  #live: AddressIntMap | undefined;
  /**
   * The handle of the block the last successful allocation took, for
   * {@linkcode TlsfByteAllocator.deallocHandle}.
   */
  lastHandle: number = -1;
  readonly #regions = new RegionList();
  #total = 0;
  #used = 0;
  #recycled = false;

  /** A model for a 64-bit target, or for a 32-bit one with `pointerWidth: 4`. */
  constructor(options: PointerWidthOptions = {}) {
    const width = options.pointerWidth ?? 8;
    this.#g = width === 4 ? 4 : 5;
    this.#gran = 4 * width;
    this.#header = 2 * width;
    this.#maxPool = this.#g + TLSF_FLLEN >= 8 * width ? Infinity : this.#gran * 2 ** TLSF_FLLEN;
    // The block tables of an allocator that is done, grown already: every
    // entry is written before it is read, so they start this one as fresh
    // ones would.
    const t = spareTables;
    if (t !== undefined) {
      spareTables = undefined;
      this.#addr = t.addr;
      this.#size = t.size;
      this.#flags = t.flags;
      this.#prevPhys = t.prevPhys;
      this.#nextPhys = t.nextPhys;
      this.#prevFree = t.prevFree;
      this.#nextFree = t.nextFree;
      this.#reqSize = t.reqSize;
      this.#reqAlign = t.reqAlign;
      this.#ptr = t.ptr;
    }
  }

  /**
   * Hands this allocator's block tables to the next one made (a replay's
   * next pass, which then does not grow them again). This allocator must
   * not be used afterwards.
   */
  recycle(): void {
    spareTables = {
      addr: this.#addr,
      size: this.#size,
      flags: this.#flags,
      prevPhys: this.#prevPhys,
      nextPhys: this.#nextPhys,
      prevFree: this.#prevFree,
      nextFree: this.#nextFree,
      reqSize: this.#reqSize,
      reqAlign: this.#reqAlign,
      ptr: this.#ptr,
    };
    this.#recycled = true;
  }

  /**
   * Creates the first pool. The real wrapper unwraps the result: a region
   * too small for a pool (under 64 usable bytes) panics there and throws
   * `InvalidParam` here.
   */
  init(start: number, size: number): void {
    if (this.#recycled) throw new Error("a recycled TlsfByteAllocator is used again");
    this.#insertPool(start, size);
    this.#total = size;
  }

  /** Adds another pool; `InvalidParam` when it is too small. */
  addMemory(start: number, size: number): void {
    this.#insertPool(start, size);
    this.#total += size;
  }

  /** `Tlsf::allocate`: good fit from the segregated lists, in O(1). */
  alloc(size: number, align: number): number {
    const p = this.tryAlloc(size, align);
    if (p === NO_MEMORY) throw noFit(size, align);
    return p;
  }

  /**
   * {@linkcode TlsfByteAllocator.alloc} that answers `NoMemory` with
   * {@linkcode NO_MEMORY} instead of an exception (an invalid layout still
   * throws `InvalidParam`).
   */
  tryAlloc(size: number, align: number): number {
    checkLayout(size, align);
    // Blocks start granule aligned, so with `align <= header` the payload is
    // right past the header and the block needs exactly `searchSize`.
    const header = this.#header;
    const gran = this.#gran;
    const small = align <= header && size < 0x4000_0000;
    const searchSize = small
      ? (size + header + gran - 1) & -gran
      : alignUp(size + Math.max(align - header, 0) + header, gran);
    // The list search, written out here so that the JIT keeps it in line:
    // the first non-empty list at or above `mapCeil(searchSize)`.
    const first = mapCeil(searchSize, this.#g);
    let list = -1;
    if (first >= 0) {
      const slBitmap = this.#slBitmap;
      let fl = first >>> 5;
      let sl = bitScanForward(slBitmap[fl], first & 31);
      if (sl === 32) {
        fl = bitScanForward(this.#flBitmap, fl + 1);
        if (fl < TLSF_FLLEN) sl = bitScanForward(slBitmap[fl], 0);
      }
      if (sl < 32) list = (fl << 5) | sl;
    }
    if (list < 0) return NO_MEMORY;
    const block = this.#firstFree[list];
    this.#unlink(block, list);
    const addr = this.#addr[block];
    const ptr = small ? addr + header : alignUp(addr + header, align);
    const newSize = small ? searchSize : alignUp(ptr - addr + size, gran);
    const oldSize = this.#size[block];
    if (newSize !== oldSize) {
      const next = this.#nextPhys[block];
      const rest = this.#newBlock(addr + newSize, oldSize - newSize, 0);
      this.#prevPhys[rest] = block;
      this.#nextPhys[rest] = next;
      this.#prevPhys[next] = rest;
      this.#nextPhys[block] = rest;
      this.#size[block] = newSize;
      this.#link(rest);
    }
    this.#flags[block] = USED;
    this.#reqSize[block] = size;
    this.#reqAlign[block] = align;
    this.#ptr[block] = ptr;
    this.#live?.set(ptr, block);
    this.lastHandle = block;
    this.#used += size;
    return ptr;
  }

  /**
   * `Tlsf::deallocate`: frees the block and merges it with free physical
   * neighbours. A pointer that is not live, or a different layout than it
   * was allocated with, is reported and changes nothing.
   */
  dealloc(ptr: number, size: number, align: number): void {
    // The layout must be the one `alloc` checked and recorded.
    const index = this.#index();
    const live = index.take(ptr);
    if (live === ADDRESS_INT_MAP_MISSING) throw notLive(ptr);
    if (this.#reqAlign[live] !== align || this.#reqSize[live] !== size) {
      index.set(ptr, live); // nothing changes
      throw wrongLayout(ptr, this.#reqSize[live], this.#reqAlign[live], size, align);
    }
    this.#free(live, size);
  }

  /**
   * {@linkcode TlsfByteAllocator.dealloc} told the handle
   * {@linkcode TlsfByteAllocator.lastHandle} gave when `ptr` was allocated:
   * the block is found without a lookup. A handle that is not `ptr`'s live
   * block, or a different layout, is checked and reported as `dealloc` does.
   */
  deallocHandle(ptr: number, size: number, align: number, handle: number): void {
    if (
      handle >= 0 && handle < this.#blockCount && this.#ptr[handle] === ptr &&
      this.#reqAlign[handle] === align && this.#reqSize[handle] === size
    ) {
      this.#live?.take(ptr);
      this.#free(handle, size);
    } else this.dealloc(ptr, size, align);
  }

  /** The live index, made from the used blocks on first use. */
  #index(): AddressIntMap {
    let live = this.#live;
    if (live === undefined) {
      live = new AddressIntMap(1024);
      const ptrs = this.#ptr;
      for (let b = 0; b < this.#blockCount; b++) if (ptrs[b] >= 0) live.set(ptrs[b], b);
      this.#live = live;
    }
    return live;
  }

  /** Frees the live `block` (`size` requested bytes), merging it with free neighbours. */
  #free(live: number, size: number): void {
    this.#ptr[live] = -1;
    let block = live;
    let newSize = this.#size[block];
    let after = this.#nextPhys[block];
    if (this.#flags[after] === 0) {
      const afterSize = this.#size[after];
      newSize += afterSize;
      this.#unlink(after, mapFloor(afterSize, this.#g));
      const next = this.#nextPhys[after];
      this.#release(after); // its header is gone
      after = next;
    }
    const before = this.#prevPhys[block];
    if (before !== NONE && this.#flags[before] === 0) {
      const beforeSize = this.#size[before];
      newSize += beforeSize;
      this.#unlink(before, mapFloor(beforeSize, this.#g));
      this.#release(block);
      block = before;
    }
    this.#size[block] = newSize;
    this.#flags[block] = 0;
    this.#nextPhys[block] = after;
    this.#prevPhys[after] = block;
    this.#link(block);
    this.#used -= size;
  }

  /** The raw bytes given to `init` and `addMemory`. */
  totalBytes(): number {
    return this.#total;
  }

  /** The sum of the sizes of live allocations. */
  usedBytes(): number {
    return this.#used;
  }

  /** `totalBytes() - usedBytes()`. */
  availableBytes(): number {
    return this.#total - this.#used;
  }

  /** The largest free block, header included, in bytes (for fragmentation reports). */
  largestFreeBlock(): number {
    let best = 0;
    for (const head of this.#firstFree) {
      for (let b = head; b !== NONE; b = this.#nextFree[b + 1]) {
        if (this.#size[b] > best) best = this.#size[b];
      }
    }
    return best;
  }

  /**
   * The free blocks' addresses on list `fl * 32 + sl` (first-level class
   * `fl`, second-level `sl`), head first: the order in which the list hands
   * them out.
   */
  freeList(list: number): number[] {
    const out: number[] = [];
    const first = list >= 0 && list < this.#firstFree.length ? this.#firstFree[list] : NONE;
    for (let b = first; b !== NONE; b = this.#nextFree[b + 1]) out.push(this.#addr[b]);
    return out;
  }

  /** The sizes of all free blocks, in address order (for reports and tests). */
  freeBlocks(): { addr: number; size: number }[] {
    const out: { addr: number; size: number }[] = [];
    for (const head of this.#firstFree) {
      for (let b = head; b !== NONE; b = this.#nextFree[b + 1]) {
        out.push({ addr: this.#addr[b], size: this.#size[b] });
      }
    }
    return out.sort((x, y) => x.addr - y.addr);
  }

  #insertPool(start: number, len: number): void {
    checkRegion(start, len);
    const gran = this.#gran;
    const aligned = alignUp(start, gran);
    const usable = len - (aligned - start);
    if (!(usable >= 2 * gran)) {
      throw new AllocError("InvalidParam", {
        address: start,
        reason: `region [${hex(start)}, +${hex(len)}) is too small for a TLSF pool`,
      });
    }
    let size = usable - (usable % gran);
    this.#claimRegion(aligned, aligned + size);
    let cursor = aligned;
    while (size >= 2 * gran) {
      const chunk = Math.min(size, this.#maxPool);
      const sentinel = this.#newBlock(cursor + chunk - gran, gran, USED);
      const block = this.#newBlock(cursor, chunk - gran, 0);
      this.#prevPhys[block] = NONE;
      this.#nextPhys[block] = sentinel;
      this.#prevPhys[sentinel] = block;
      this.#nextPhys[sentinel] = NONE;
      this.#link(block);
      size -= chunk;
      cursor += chunk;
    }
  }

  #claimRegion(start: number, end: number): void {
    const other = this.#regions.claim(start, end);
    if (other !== undefined) {
      const [s, e] = other;
      throw new AllocError("MemoryOverlap", {
        address: start,
        reason: `[${hex(start)}, ${hex(end)}) overlaps the pool [${hex(s)}, ${hex(e)})`,
      });
    }
  }

  /** A block header at `addr`; the caller sets its physical links. */
  #newBlock(addr: number, size: number, flags: number): number {
    let b = this.#spare;
    if (b !== NONE) this.#spare = this.#nextFree[b + 1];
    else {
      b = this.#blockCount++;
      if (b === this.#flags.length) this.#grow();
    }
    this.#addr[b] = addr;
    this.#size[b] = size;
    this.#flags[b] = flags;
    this.#ptr[b] = -1;
    return b;
  }

  #release(b: number): void {
    this.#nextFree[b + 1] = this.#spare;
    this.#spare = b;
  }

  #grow(): void {
    const cap = this.#addr.length * 2;
    const grown = <T extends Float64Array | Int32Array | Uint8Array>(
      a: T,
      make: (n: number) => T,
    ) => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    const f64 = (n: number) => new Float64Array(n);
    const i32 = (n: number) => new Int32Array(n);
    this.#addr = grown(this.#addr, f64);
    this.#ptr = grown(this.#ptr, f64);
    this.#size = grown(this.#size, f64);
    this.#reqSize = grown(this.#reqSize, f64);
    this.#reqAlign = grown(this.#reqAlign, f64);
    this.#flags = grown(this.#flags, (n) => new Uint8Array(n));
    this.#prevPhys = grown(this.#prevPhys, i32);
    this.#nextPhys = grown(this.#nextPhys, i32);
    this.#prevFree = grown(this.#prevFree, (n) => new Int32Array(n + 1));
    this.#nextFree = grown(this.#nextFree, (n) => new Int32Array(n + 1));
  }

  // The list operations read each array once into a local: fewer bytecodes,
  // so that they (and the list search) inline into alloc and dealloc.

  #link(block: number): void {
    const list = mapFloor(this.#size[block], this.#g);
    const firstFree = this.#firstFree;
    const prevFree = this.#prevFree;
    const head = firstFree[list];
    this.#nextFree[block + 1] = head;
    prevFree[block + 1] = NONE;
    prevFree[head + 1] = block; // (an empty list: slot 0)
    firstFree[list] = block;
    this.#flBitmap |= 1 << (list >>> 5);
    this.#slBitmap[list >>> 5] |= 1 << (list & 31);
  }

  /**
   * Takes `block` off free list `list`, without a branch: the links through
   * a missing neighbour land in slot 0, and the list's head and the
   * bitmaps are updated under masks (-1 or 0) instead of conditions.
   */
  #unlink(block: number, list: number): void {
    const nextFree = this.#nextFree;
    const prevFree = this.#prevFree;
    const next = nextFree[block + 1];
    const prev = prevFree[block + 1];
    prevFree[next + 1] = prev;
    nextFree[prev + 1] = next;
    const wasHead = prev >> 31; // -1 when `block` was the list's head (prev is NONE)
    const firstFree = this.#firstFree;
    firstFree[list] = (next & wasHead) | (firstFree[list] & ~wasHead);
    const emptied = wasHead & (next >> 31); // -1 when the list is now empty
    const slBitmap = this.#slBitmap;
    const fl = list >>> 5;
    const sl = slBitmap[fl] & ~((1 << (list & 31)) & emptied);
    slBitmap[fl] = sl;
    // Clear the first-level bit when the second-level word became 0
    // (`0 - x >> 31` is -1 for a word's nonzero 31-bit digest `x`).
    const nonzero = (0 - ((sl >>> 1) | (sl & 1))) >> 31;
    this.#flBitmap &= ~((1 << fl) & emptied & ~nonzero);
  }
}
