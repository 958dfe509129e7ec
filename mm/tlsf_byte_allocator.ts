/**
 * ArceOS `allocator::TlsfByteAllocator`: a model of
 * `rlsf::Tlsf<'static, u32, u32, 28, 32>` (rlsf 0.2.1) on a 64-bit target.
 *
 * Two-level segregated fit: 28 first-level classes by power of two, 32
 * second-level subdivisions each, 32-byte granularity, a 16-byte header in
 * front of every used block, and a 32-byte sentinel block closing each pool.
 * Block headers live in model objects instead of the simulated bytes, but
 * every size, address and list order is the real allocator's.
 *
 * @module
 */

import { alignUp, hex, log2Floor, POW2 } from "../hal/int.ts";
import { AddressMap } from "./address_map.ts";
import { AllocError } from "./alloc_error.ts";
import type { ByteAllocator } from "./allocator.ts";
import { checkLayout, checkRegion } from "./layout.ts";

/** First-level list count (`FLLEN`). */
export const TLSF_FLLEN = 28;
/** Second-level list count (`SLLEN`). */
export const TLSF_SLLEN = 32;
/** Allocation granularity on a 64-bit target, and the smallest block. */
export const TLSF_GRANULARITY = 32;
/** The size of a used block's header. */
export const TLSF_USED_HEADER = TLSF_GRANULARITY / 2;
/** The largest pool one free block can span: `GRANULARITY << FLLEN`. */
export const TLSF_MAX_POOL_SIZE = TLSF_GRANULARITY * 2 ** TLSF_FLLEN;

const GRAN_LOG2 = 5;

/** A physical block: free, used, or a pool's sentinel. */
interface Block {
  addr: number;
  /** Size of the whole block, header included. */
  size: number;
  used: boolean;
  sentinel: boolean;
  prevPhys: Block | null;
  nextPhys: Block | null;
  prevFree: Block | null;
  nextFree: Block | null;
  /** For a used block: the layout it was allocated with. */
  reqSize: number;
  reqAlign: number;
}

/** A block that is not linked to anything yet. */
function newBlock(addr: number, size: number, used: boolean, sentinel: boolean): Block {
  return {
    addr,
    size,
    used,
    sentinel,
    prevPhys: null,
    nextPhys: null,
    prevFree: null,
    nextFree: null,
    reqSize: 0,
    reqAlign: 0,
  };
}

/** `(fl, sl)` of the list a free block of `size` belongs to, or -1 past `FLLEN`. */
function mapFloor(size: number): number {
  if (size < 0x8000_0000) {
    const fl = 26 - Math.clz32(size); // floor(log2(size)) - GRANULARITY_LOG2
    return (fl << 5) | ((size >>> fl) & 31);
  }
  const fl = log2Floor(size) - GRAN_LOG2;
  if (fl >= TLSF_FLLEN) return -1;
  const sl = Math.floor(size / POW2[fl]) & (TLSF_SLLEN - 1);
  return fl * TLSF_SLLEN + sl;
}

/** The first list whose every block is at least `size`, or -1. */
function mapCeil(size: number): number {
  let fl: number;
  let sl: number;
  if (size < 0x8000_0000) {
    fl = 26 - Math.clz32(size);
    sl = size >>> fl;
    if (sl << fl !== size) sl++;
  } else {
    fl = log2Floor(size) - GRAN_LOG2;
    const unit = POW2[fl];
    sl = Math.floor(size / unit);
    if (sl * unit !== size) sl++;
  }
  if (sl >= 2 * TLSF_SLLEN) fl++;
  if (fl >= TLSF_FLLEN) return -1;
  return (fl << 5) | (sl & 31);
}

/** The index of the lowest set bit of `bits` at or above `start`, or 32. */
function bitScanForward(bits: number, start: number): number {
  if (start >= 32) return 32;
  const masked = (bits >>> start) << start;
  if (masked === 0) return 32;
  return 31 - Math.clz32(masked & -masked);
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
  #flBitmap = 0;
  readonly #slBitmap = new Uint32Array(TLSF_FLLEN);
  readonly #firstFree: (Block | null)[] = new Array(TLSF_FLLEN * TLSF_SLLEN).fill(null);
  /** Live allocations: payload pointer -> its block. */
  readonly #live = new AddressMap<Block>(1024);
  readonly #regions: [number, number][] = [];
  #total = 0;
  #used = 0;
  /** Block objects whose blocks were merged away, for reuse. */
  readonly #spare: Block[] = [];

  /**
   * Creates the first pool. The real wrapper unwraps the result: a region
   * too small for a pool (under 64 usable bytes) panics there and throws
   * `InvalidParam` here.
   */
  init(start: number, size: number): void {
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
    checkLayout(size, align);
    const maxOverhead = Math.max(align - TLSF_USED_HEADER, 0) + TLSF_USED_HEADER;
    const searchSize = alignUp(size + maxOverhead, TLSF_GRANULARITY);
    const list = this.#searchList(searchSize);
    if (list < 0) {
      throw new AllocError("NoMemory", {
        reason: `no free block can hold ${size} bytes aligned to ${align}`,
      });
    }
    const block = this.#firstFree[list]!;
    this.#unlink(block, list);
    const ptr = alignUp(block.addr + TLSF_USED_HEADER, align);
    const newSize = alignUp(ptr - block.addr + size, TLSF_GRANULARITY);
    if (newSize !== block.size) {
      const next = block.nextPhys!;
      const rest = this.#spare.pop() ?? newBlock(0, 0, false, false);
      rest.used = false;
      rest.addr = block.addr + newSize;
      rest.size = block.size - newSize;
      rest.prevPhys = block;
      rest.nextPhys = next;
      next.prevPhys = rest;
      block.nextPhys = rest;
      block.size = newSize;
      this.#link(rest);
    }
    block.used = true;
    block.reqSize = size;
    block.reqAlign = align;
    this.#live.set(ptr, block);
    this.#used += size;
    return ptr;
  }

  /**
   * `Tlsf::deallocate`: frees the block and merges it with free physical
   * neighbours. A pointer that is not live, or a different layout than it
   * was allocated with, is reported and changes nothing.
   */
  dealloc(ptr: number, size: number, align: number): void {
    checkLayout(size, align);
    const live = this.#live.take(ptr);
    if (live === undefined) {
      throw new AllocError("NotAllocated", {
        address: ptr,
        reason: `${hex(ptr)} is not an allocated TLSF block (double free or foreign pointer)`,
      });
    }
    if (live.reqAlign !== align || live.reqSize !== size) {
      this.#live.set(ptr, live); // nothing changes
      throw new AllocError("InvalidParam", {
        address: ptr,
        reason: `${hex(ptr)} was allocated with size ${live.reqSize} align ${live.reqAlign}, ` +
          `freed with size ${size} align ${align}`,
      });
    }
    let block = live;
    let newSize = block.size;
    let after = block.nextPhys!;
    if (!after.used) {
      newSize += after.size;
      this.#unlink(after, mapFloor(after.size));
      this.#spare.push(after); // its header is gone: the object is reused
      after = after.nextPhys!;
    }
    const before = block.prevPhys;
    if (before !== null && !before.used) {
      newSize += before.size;
      this.#unlink(before, mapFloor(before.size));
      this.#spare.push(block);
      block = before;
    }
    block.size = newSize;
    block.used = false;
    block.nextPhys = after;
    after.prevPhys = block;
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

  /** The sizes of all free blocks, in address order (for reports and tests). */
  freeBlocks(): { addr: number; size: number }[] {
    const out: { addr: number; size: number }[] = [];
    for (const head of this.#firstFree) {
      for (let b = head; b !== null; b = b.nextFree) out.push({ addr: b.addr, size: b.size });
    }
    return out.sort((x, y) => x.addr - y.addr);
  }

  #insertPool(start: number, len: number): void {
    checkRegion(start, len);
    const aligned = alignUp(start, TLSF_GRANULARITY);
    const usable = len - (aligned - start);
    if (!(usable >= 2 * TLSF_GRANULARITY)) {
      throw new AllocError("InvalidParam", {
        address: start,
        reason: `region [${hex(start)}, +${hex(len)}) is too small for a TLSF pool`,
      });
    }
    let size = usable - (usable % TLSF_GRANULARITY);
    this.#claimRegion(aligned, aligned + size);
    let cursor = aligned;
    while (size >= 2 * TLSF_GRANULARITY) {
      const chunk = Math.min(size, TLSF_MAX_POOL_SIZE);
      const sentinel = newBlock(cursor + chunk - TLSF_GRANULARITY, TLSF_GRANULARITY, true, true);
      const block = newBlock(cursor, chunk - TLSF_GRANULARITY, false, false);
      block.nextPhys = sentinel;
      sentinel.prevPhys = block;
      this.#link(block);
      size -= chunk;
      cursor += chunk;
    }
  }

  #claimRegion(start: number, end: number): void {
    const regions = this.#regions;
    for (const [s, e] of regions) {
      if (s < end && start < e) {
        throw new AllocError("MemoryOverlap", {
          address: start,
          reason: `[${hex(start)}, ${hex(end)}) overlaps the pool [${hex(s)}, ${hex(e)})`,
        });
      }
    }
    regions.push([start, end]);
  }

  #searchList(minSize: number): number {
    const first = mapCeil(minSize);
    if (first < 0) return -1;
    let fl = first >>> 5;
    let sl = bitScanForward(this.#slBitmap[fl], first & 31);
    if (sl < TLSF_SLLEN) return fl * TLSF_SLLEN + sl;
    fl = bitScanForward(this.#flBitmap, fl + 1);
    if (fl >= TLSF_FLLEN) return -1;
    sl = bitScanForward(this.#slBitmap[fl], 0);
    return fl * TLSF_SLLEN + sl;
  }

  #link(block: Block): void {
    const list = mapFloor(block.size);
    const head = this.#firstFree[list];
    block.nextFree = head;
    block.prevFree = null;
    if (head !== null) head.prevFree = block;
    this.#firstFree[list] = block;
    const fl = list >>> 5;
    this.#flBitmap |= 1 << fl;
    this.#slBitmap[fl] |= 1 << (list & 31);
  }

  #unlink(block: Block, list: number): void {
    const next = block.nextFree;
    const prev = block.prevFree;
    if (next !== null) next.prevFree = prev;
    if (prev !== null) prev.nextFree = next;
    else {
      this.#firstFree[list] = next;
      if (next === null) {
        const fl = list >>> 5;
        this.#slBitmap[fl] &= ~(1 << (list & 31));
        if (this.#slBitmap[fl] === 0) this.#flBitmap &= ~(1 << fl);
      }
    }
    block.nextFree = null;
    block.prevFree = null;
  }
}
