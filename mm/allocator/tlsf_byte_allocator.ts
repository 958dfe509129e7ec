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

import { alignUp, hex } from "../../hal/int.ts";
import { ADDRESS_INT_MAP_MISSING, AddressIntMap } from "./address_map.ts";
import { RegionList } from "./region_list.ts";
import { AllocError, NO_MEMORY } from "./alloc_error.ts";
import { NO_MEMORY_RESULT } from "./unboxed_results.ts";
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
/** No block (a null link): block 0, a row that is never a real block. */
const NONE = 0;

// A block's header is a row of `H` 32-bit integers in one array, and its
// addresses and layout a row of `D` numbers in another: two arrays for all
// the fields (fewer loads and bounds checks in the hot paths), and sizes in
// granules, so that the list mappings are integer operations. Block 0
// is the null block: writes through a missing link land in its row, so
// that linking and unlinking need no branch on a neighbour (the lists'
// shapes are random, and such a branch mispredicts), and its flags say
// used, so that a pool's first block never merges with it.
const H = 8; // (rows are indexed as `block << 3`)
/** Size in granules, header included. */
const H_SIZE = 0;
const H_FLAGS = 1;
const H_PREV_PHYS = 2;
const H_NEXT_PHYS = 3;
const H_PREV_FREE = 4;
/** The next free block on the list (on the spare chain for a merged-away block). */
const H_NEXT_FREE = 5;
const D = 4; // (rows are indexed as `block << 2`)
/** The block's start address. */
const D_ADDR = 0;
/** A used block's payload pointer (-1 for every other block): a handle's check. */
const D_PTR = 1;
const D_REQ_SIZE = 2;
const D_REQ_ALIGN = 3;

/** The tables an allocator hands back ({@linkcode TlsfByteAllocator.recycle}). */
interface Tables {
  h: Int32Array<ArrayBuffer>;
  d: Float64Array<ArrayBuffer>;
  slBitmap: Uint32Array<ArrayBuffer>;
  firstFree: Int32Array<ArrayBuffer>;
}

/** The tables an allocator that is done handed back, for the next one made. */
let spareTables: Tables | undefined;

/** The largest block, in granules: `FLLEN` first-level classes of granules. */
const MAX_GRANULES = 2 ** TLSF_FLLEN;

// The list mappings work on sizes in granules, below `2^FLLEN`: the first
// level is the size's top bit, the second level the 5 bits below it (rlsf
// rotates the size, so that a block of fewer than 32 granules has its 5
// bits shifted left).

/** `(fl, sl)` of the list a free block of `n` granules belongs to. */
function mapFloor(n: number): number {
  const shift = 26 - Math.clz32(n); // floor(log2(n)) - log2(SLLEN)
  const sl = shift >= 0 ? n >> shift : n << -shift;
  return ((shift + 5) << 5) | (sl & 31);
}

/** The first list whose every block is at least `n` granules, or -1. */
function mapCeil(n: number): number {
  if (n >= MAX_GRANULES) return -1;
  const shift = 26 - Math.clz32(n);
  let fl = shift + 5;
  let sl: number;
  if (shift >= 0) {
    sl = n >> shift;
    if (sl << shift !== n) sl++;
  } else sl = n << -shift;
  if (sl >= 2 * TLSF_SLLEN) fl++;
  if (fl >= TLSF_FLLEN) return -1;
  return (fl << 5) | (sl & 31);
}

/** Sizes below this many granules map to their lists through the tables below. */
const MAPPED = 2048;
/** `mapFloor` and `mapCeil` of every size below {@link MAPPED} granules (one load, no branch). */
const FLOOR_LIST = new Int16Array(MAPPED);
const CEIL_LIST = new Int16Array(MAPPED);
for (let n = 0; n < MAPPED; n++) {
  FLOOR_LIST[n] = mapFloor(n);
  CEIL_LIST[n] = mapCeil(n);
}

/** {@linkcode mapFloor}, from the table where it has the size. */
function listFloor(n: number): number {
  return n < MAPPED ? FLOOR_LIST[n] : mapFloor(n);
}

/** {@linkcode mapCeil}, from the table where it has the size. */
function listCeil(n: number): number {
  return n < MAPPED ? CEIL_LIST[n] : mapCeil(n);
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
  /** The largest pool a free block can span, in granules (unlimited on a 32-bit target). */
  readonly #maxPool: number;
  #flBitmap = 0;
  readonly #slBitmap: Uint32Array<ArrayBuffer>;
  /** Per list, its first free block (or `NONE`). */
  readonly #firstFree: Int32Array<ArrayBuffer>;
  /** Block headers, `H` integers per block (no objects, no write barriers). */
  #h: Int32Array<ArrayBuffer>;
  /** Block addresses and layouts, `D` numbers per block. */
  #d: Float64Array<ArrayBuffer>;
  /** Blocks made so far, the null block included. */
  #blockCount = 1;
  /** Blocks merged away (their headers are gone), chained by `H_NEXT_FREE`. */
  #spare = NONE;
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
    this.#maxPool = this.#g + TLSF_FLLEN >= 8 * width ? Infinity : MAX_GRANULES;
    // The tables of an allocator that is done (a replay's earlier pass),
    // the block tables grown already: a block's entries are written before
    // they are read, and the lists are emptied, so they start this one as
    // fresh ones would, without making (and later sweeping) four buffers.
    const t = spareTables;
    if (t !== undefined) {
      spareTables = undefined;
      this.#h = t.h;
      this.#d = t.d;
      this.#slBitmap = t.slBitmap.fill(0);
      this.#firstFree = t.firstFree.fill(NONE);
    } else {
      this.#h = new Int32Array(64 * H);
      this.#d = new Float64Array(64 * D);
      this.#slBitmap = new Uint32Array(TLSF_FLLEN);
      this.#firstFree = new Int32Array(TLSF_FLLEN * TLSF_SLLEN);
    }
    // The null block: used (never merged), pointing nowhere.
    this.#h.fill(0, 0, H);
    this.#h[H_FLAGS] = USED;
    this.#d[D_PTR] = -1;
  }

  /**
   * Hands this allocator's tables to the next one made (a replay's
   * next pass, which then does not grow them again). This allocator must
   * not be used afterwards.
   */
  recycle(): void {
    spareTables = {
      h: this.#h,
      d: this.#d,
      slBitmap: this.#slBitmap,
      firstFree: this.#firstFree,
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
    // The granularity as a constant in each call: V8 inlines `#place` with
    // it and folds it (the usual 64-bit model replays 7-8% faster than with
    // the granularity read from a field; the other call is never inlined
    // where it is never made).
    return this.#g === 5 ? this.#place(size, align, 5) : this.#place(size, align, 4);
  }

  /** {@linkcode TlsfByteAllocator.tryAlloc} with granules of `2^g` bytes (the model's own). */
  #place(size: number, align: number, g: number): number {
    checkLayout(size, align);
    // Blocks start granule aligned, so with `align <= header` the payload is
    // right past the header and the block needs exactly `search` granules.
    const gran = 1 << g;
    const header = gran >> 1;
    const small = align <= header && size < 0x4000_0000;
    // The size the block needs, in granules.
    const search = small
      ? (size + header + gran - 1) >> g
      : alignUp(size + Math.max(align - header, 0) + header, gran) / gran;
    // The list search, written out here so that the JIT keeps it in line:
    // the first non-empty list at or above `mapCeil(search)`.
    const first = listCeil(search);
    let list = -1;
    if (first >= 0) {
      const slBitmap = this.#slBitmap;
      let fl = first >> 5;
      let sl = bitScanForward(slBitmap[fl], first & 31);
      if (sl === 32) {
        fl = bitScanForward(this.#flBitmap, fl + 1);
        if (fl < TLSF_FLLEN) sl = bitScanForward(slBitmap[fl], 0);
      }
      if (sl < 32) list = (fl << 5) | sl;
    }
    if (list < 0) return NO_MEMORY_RESULT[0];
    const firstFree = this.#firstFree;
    const block = firstFree[list];
    const h = this.#h;
    const d = this.#d;
    const row = block << 2;
    const addr = d[row | D_ADDR];
    const ptr = small ? addr + header : alignUp(addr + header, align);
    const newSize = small ? search : alignUp(ptr - addr + size, gran) / gran;
    const oldSize = h[(block << 3) | H_SIZE];
    if (newSize !== oldSize) {
      const next = h[(block << 3) | H_NEXT_PHYS];
      const rest = this.#newBlock(addr + newSize * gran, oldSize - newSize, 0);
      const hr = this.#h; // (grown, perhaps)
      hr[(rest << 3) | H_PREV_PHYS] = block;
      hr[(rest << 3) | H_NEXT_PHYS] = next;
      hr[(next << 3) | H_PREV_PHYS] = rest;
      hr[(block << 3) | H_NEXT_PHYS] = rest;
      hr[(block << 3) | H_SIZE] = newSize;
      if (listFloor(oldSize - newSize) === list) {
        // The rest belongs where the block was, at the head of its list:
        // what unlinking the block and linking the rest there give.
        const after = hr[(block << 3) | H_NEXT_FREE];
        hr[(rest << 3) | H_NEXT_FREE] = after;
        hr[(rest << 3) | H_PREV_FREE] = NONE;
        hr[(after << 3) | H_PREV_FREE] = rest;
        firstFree[list] = rest;
      } else {
        this.#unlink(block, list);
        this.#link(rest);
      }
    } else this.#unlink(block, list);
    this.#h[(block << 3) | H_FLAGS] = USED;
    const dr = this.#d;
    dr[row | D_PTR] = ptr;
    dr[row | D_REQ_SIZE] = size;
    dr[row | D_REQ_ALIGN] = align;
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
    const d = this.#d;
    const reqSize = d[(live << 2) | D_REQ_SIZE];
    const reqAlign = d[(live << 2) | D_REQ_ALIGN];
    if (reqAlign !== align || reqSize !== size) {
      index.set(ptr, live); // nothing changes
      throw wrongLayout(ptr, reqSize, reqAlign, size, align);
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
    const d = this.#d;
    const row = handle << 2;
    if (
      handle > 0 && handle < this.#blockCount && d[row | D_PTR] === ptr &&
      d[row | D_REQ_ALIGN] === align && d[row | D_REQ_SIZE] === size
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
      const d = this.#d;
      for (let b = 1; b < this.#blockCount; b++) {
        const ptr = d[(b << 2) | D_PTR];
        if (ptr >= 0) live.set(ptr, b);
      }
      this.#live = live;
    }
    return live;
  }

  /**
   * Frees the live `block` (`size` requested bytes), merging it with free
   * neighbours (the null block, before a pool's first block, counts as used).
   */
  #free(live: number, size: number): void {
    const h = this.#h;
    this.#d[(live << 2) | D_PTR] = -1;
    let block = live;
    let newSize = h[(block << 3) | H_SIZE];
    let after = h[(block << 3) | H_NEXT_PHYS];
    const before = h[(block << 3) | H_PREV_PHYS];
    const mergeBefore = h[(before << 3) | H_FLAGS] === 0;
    let linked = false;
    if (h[(after << 3) | H_FLAGS] === 0) {
      const afterSize = h[(after << 3) | H_SIZE];
      const afterList = listFloor(afterSize);
      newSize += afterSize;
      if (
        !mergeBefore && h[(after << 3) | H_PREV_FREE] === NONE && listFloor(newSize) === afterList
      ) {
        // The merged block belongs where `after` was, at the head of its
        // list: what unlinking `after` and linking the block there give.
        const rest = h[(after << 3) | H_NEXT_FREE];
        h[(block << 3) | H_NEXT_FREE] = rest;
        h[(block << 3) | H_PREV_FREE] = NONE;
        h[(rest << 3) | H_PREV_FREE] = block;
        this.#firstFree[afterList] = block;
        linked = true;
      } else this.#unlink(after, afterList);
      const next = h[(after << 3) | H_NEXT_PHYS];
      this.#release(after); // its header is gone
      after = next;
    }
    if (mergeBefore) {
      newSize += h[(before << 3) | H_SIZE];
      this.#unlink(before, listFloor(h[(before << 3) | H_SIZE]));
      this.#release(block);
      block = before;
    }
    h[(block << 3) | H_SIZE] = newSize;
    h[(block << 3) | H_FLAGS] = 0;
    h[(block << 3) | H_NEXT_PHYS] = after;
    h[(after << 3) | H_PREV_PHYS] = block;
    if (!linked) this.#link(block);
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
    for (const b of this.#freeBlockIndices()) best = Math.max(best, this.#h[(b << 3) | H_SIZE]);
    return best * this.#gran;
  }

  /**
   * The free blocks' addresses on list `fl * 32 + sl` (first-level class
   * `fl`, second-level `sl`), head first: the order in which the list hands
   * them out.
   */
  freeList(list: number): number[] {
    const out: number[] = [];
    const first = list >= 0 && list < this.#firstFree.length ? this.#firstFree[list] : NONE;
    for (let b = first; b !== NONE; b = this.#h[(b << 3) | H_NEXT_FREE]) {
      out.push(this.#d[(b << 2) | D_ADDR]);
    }
    return out;
  }

  /** The sizes of all free blocks, in address order (for reports and tests). */
  freeBlocks(): { addr: number; size: number }[] {
    return this.#freeBlockIndices()
      .map((b) => ({
        addr: this.#d[(b << 2) | D_ADDR],
        size: this.#h[(b << 3) | H_SIZE] * this.#gran,
      }))
      .sort((x, y) => x.addr - y.addr);
  }

  /** Every free block, list by list. */
  #freeBlockIndices(): number[] {
    const out: number[] = [];
    for (const head of this.#firstFree) {
      for (let b = head; b !== NONE; b = this.#h[(b << 3) | H_NEXT_FREE]) out.push(b);
    }
    return out;
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
    if (this.#maxPool === Infinity && usable >= 2 ** 32) {
      // A 32-bit target's pool lies in its 4 GiB address space.
      throw new AllocError("InvalidParam", {
        address: start,
        reason: `region [${hex(start)}, +${hex(len)}) does not fit a 32-bit address space`,
      });
    }
    let size = (usable - (usable % gran)) / gran; // in granules
    this.#claimRegion(aligned, aligned + size * gran);
    let cursor = aligned;
    while (size >= 2) {
      const chunk = Math.min(size, this.#maxPool);
      const sentinel = this.#newBlock(cursor + (chunk - 1) * gran, 1, USED);
      const block = this.#newBlock(cursor, chunk - 1, 0);
      const h = this.#h;
      h[(block << 3) | H_PREV_PHYS] = NONE;
      h[(block << 3) | H_NEXT_PHYS] = sentinel;
      h[(sentinel << 3) | H_PREV_PHYS] = block;
      h[(sentinel << 3) | H_NEXT_PHYS] = NONE;
      this.#link(block);
      size -= chunk;
      cursor += chunk * gran;
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

  /** A block header at `addr`, `size` granules; the caller sets its physical links. */
  #newBlock(addr: number, size: number, flags: number): number {
    let b = this.#spare;
    if (b !== NONE) this.#spare = this.#h[(b << 3) | H_NEXT_FREE];
    else {
      b = this.#blockCount++;
      if (b << 3 === this.#h.length) this.#grow();
    }
    const h = this.#h;
    h[(b << 3) | H_SIZE] = size;
    h[(b << 3) | H_FLAGS] = flags;
    const d = this.#d;
    d[(b << 2) | D_ADDR] = addr;
    d[(b << 2) | D_PTR] = -1;
    return b;
  }

  #release(b: number): void {
    this.#h[(b << 3) | H_NEXT_FREE] = this.#spare;
    this.#spare = b;
  }

  #grow(): void {
    const h = new Int32Array(this.#h.length * 2);
    h.set(this.#h);
    this.#h = h;
    const d = new Float64Array(this.#d.length * 2);
    d.set(this.#d);
    this.#d = d;
  }

  // The list operations read each array once into a local: fewer bytecodes,
  // so that they (and the list search) inline into alloc and dealloc.

  #link(block: number): void {
    const h = this.#h;
    const list = listFloor(h[(block << 3) | H_SIZE]);
    const firstFree = this.#firstFree;
    const head = firstFree[list];
    h[(block << 3) | H_NEXT_FREE] = head;
    h[(block << 3) | H_PREV_FREE] = NONE;
    h[(head << 3) | H_PREV_FREE] = block; // (an empty list: the null block's row)
    firstFree[list] = block;
    this.#flBitmap |= 1 << (list >> 5);
    this.#slBitmap[list >> 5] |= 1 << (list & 31);
  }

  /**
   * Takes `block` off free list `list`, without a branch: the links through
   * a missing neighbour land in the null block's row, and the list's head
   * and the bitmaps are updated under masks (-1 or 0) instead of conditions.
   */
  #unlink(block: number, list: number): void {
    const h = this.#h;
    const next = h[(block << 3) | H_NEXT_FREE];
    const prev = h[(block << 3) | H_PREV_FREE];
    h[(next << 3) | H_PREV_FREE] = prev;
    h[(prev << 3) | H_NEXT_FREE] = next;
    const wasHead = (prev - 1) >> 31; // -1 when `block` was the list's head (prev is NONE)
    const firstFree = this.#firstFree;
    firstFree[list] = (next & wasHead) | (firstFree[list] & ~wasHead);
    const emptied = wasHead & ((next - 1) >> 31); // -1 when the list is now empty
    const slBitmap = this.#slBitmap;
    const fl = list >> 5;
    const sl = slBitmap[fl] & ~((1 << (list & 31)) & emptied);
    slBitmap[fl] = sl;
    // Clear the first-level bit when the second-level word became 0
    // (`0 - x >> 31` is -1 for a word's nonzero 31-bit digest `x`).
    const nonzero = (0 - ((sl >>> 1) | (sl & 1))) >> 31;
    this.#flBitmap &= ~((1 << fl) & emptied & ~nonzero);
  }
}
