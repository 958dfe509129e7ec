/**
 * A model of `buddy_system_allocator::Heap<32>` (rcore-os), the buddy heap
 * behind ArceOS's `BuddyByteAllocator` and behind the slab allocator's large
 * requests.
 *
 * The real heap keeps one LIFO singly linked free list per order and, when
 * freeing, scans the buddy's list from its head. This model keeps the same
 * lists in the same order (so every address comes out the same) but links
 * every block to its buddy, so finding a buddy costs O(1) instead of a scan.
 *
 * The links rest on one fact of buddy heaps: the block that starts at a
 * given position keeps its node (its identity) while it is split and merged
 * again, and the block at a buddy's position cannot be merged away while
 * the other buddy exists. So a block's buddy is a node that stays put, and
 * so is its parent's buddy, kept in the high half made by the split (the
 * high half lives exactly as long as the split). Splits and merges keep the
 * links; only memory added to the heap can give a block a buddy where there
 * was none, and then the new blocks, and the blocks whose buddy starts
 * where one does, are linked through a table of blocks by position (which
 * also finds the block of a pointer freed without its handle).
 *
 * Positions are exact 32-bit integers, not addresses: the address space is
 * cut into segments of 2 GiB, and a block is its segment's number (the
 * address's bits 31 and up) and its offset in bytes. A naturally aligned
 * block of at most 2^31 bytes never crosses a segment boundary, so a block
 * and its buddy share a segment and the buddy's offset is one XOR away.
 * Addresses (doubles, usually above 2^31) are converted only where they
 * enter or leave the heap: the hot paths do integer arithmetic only.
 *
 * @module
 */

import {
  alignDown,
  alignUp,
  hex,
  log2Floor,
  lowestSetBit,
  nextPowerOfTwo,
  POW2,
  prevPowerOfTwo,
} from "../../hal/int.ts";
import { RegionList } from "./region_list.ts";
import { AllocError, NO_MEMORY } from "./alloc_error.ts";
import { NO_MEMORY_RESULT } from "./unboxed_results.ts";
import { KernelPanic } from "../kernel_panic.ts";
import { checkLayout, checkRegion, type PointerWidthOptions } from "./layout.ts";

/** The number of orders of `Heap<32>`: blocks of 2^0 .. 2^31 bytes. */
export const BUDDY_ORDERS = 32;
/** The flag {@linkcode BuddyHeap}'s node order carries while its block is allocated. */
const LIVE = 0x80;
/** The order a node in the spare pool carries: no block, free or allocated. */
const GONE = 0x7f;
/** Spreads block offsets over the index (Fibonacci hashing). */
const GOLDEN = 0x9e3779b1;
/** Mixes a segment's index into the hash (segment 0 leaves the offset as is). */
const SEGMENT_MIX = 0x27d4eb2d;
/** The span of a segment: blocks are positioned by segment and offset (below). */
const SEGMENT_BYTES = 2 ** 31;
/** `1 / SEGMENT_BYTES`: an address times this, floored, is its segment's number. */
const PER_SEGMENT = 2 ** -31;

/**
 * The order of the block a layout takes: `log2(max(size.next_power_of_two(),
 * align, size_of::<usize>()))` (`wordLog2`: 3 on a 64-bit target, 2 on a
 * 32-bit one), with a 32-bit fast path; invalid layouts throw `InvalidParam`.
 */
function blockOrder(size: number, align: number, wordLog2: number): number {
  // Fast path: both at most 2^30, where 32-bit integer operations are exact.
  if (
    size >= 0 && size <= 0x4000_0000 && (size | 0) === size && align > 0 &&
    align <= 0x4000_0000 && (align & (align - 1)) === 0
  ) {
    // Branch-free (mixed sizes and alignments would mispredict every
    // branch here): `s` is log2 of max(size.next_power_of_two(), word), from
    // max(size - 1, 0) with the word's low bits set; then max(s, a).
    const m = size - 1;
    const s = 32 - Math.clz32((m & ~(m >> 31)) | ((1 << wordLog2) - 1));
    const a = 31 - Math.clz32(align);
    return s + ((a - s) & ((s - a) >> 31));
  }
  return largeBlockOrder(size, align, wordLog2);
}

/** {@linkcode blockOrder} past 2^30, out of line; invalid layouts throw `InvalidParam`. */
function largeBlockOrder(size: number, align: number, wordLog2: number): number {
  checkLayout(size, align);
  return log2Floor(Math.max(nextPowerOfTwo(size), align, 1 << wordLog2));
}

// The errors, out of line: the hot paths stay small enough to inline.

function noMemory(reason: string): AllocError {
  return new AllocError("NoMemory", { reason });
}

function notLive(ptr: number): AllocError {
  return new AllocError("NotAllocated", {
    address: ptr,
    reason: `${hex(ptr)} is not an allocated block of this buddy heap ` +
      `(double free or foreign pointer)`,
  });
}

function wrongOrder(ptr: number, liveOrder: number, order: number): AllocError {
  return new AllocError("InvalidParam", {
    address: ptr,
    reason: `${hex(ptr)} was allocated as a ${2 ** liveOrder}-byte block, ` +
      `freed with a layout of a ${2 ** order}-byte block`,
  });
}

/**
 * `buddy_system_allocator::Heap<32>`: the buddy heap, with checked frees.
 *
 * @example
 * ```ts
 * import { BuddyHeap } from "./buddy_heap.ts";
 * const heap = new BuddyHeap();
 * heap.addToHeap(0x8000_0000, 0x8000_0000 + 4096);
 * const a = heap.alloc(100, 8); // a 128-byte block
 * console.log(a.toString(16), heap.statsAllocActual()); // 80000000 128
 * heap.dealloc(a, 100, 8);
 * ```
 */
export class BuddyHeap {
  /**
   * Whether blocks of 2^32 bytes or more panic, as in
   * `buddy_system_allocator` 0.10 (the slab allocator's), whose
   * `add_to_heap` indexes the 32 free lists by the block's order without a
   * cap; later versions cap the order at 31.
   */
  readonly #uncapped: boolean;
  /** `size_of::<usize>()`, the smallest block and the regions' alignment. */
  readonly #word: number;
  readonly #wordLog2: number;
  // Free lists: intrusive doubly linked lists over a node pool. A node is a
  // block, free or allocated: its segment, offset in bytes and order.
  #heads = new Int32Array(BUDDY_ORDERS).fill(-1);
  /** The first region's segment and its start address (the usual heap has no other). */
  #segment0 = 0;
  #base0 = 0;
  #nonEmpty = 0;
  #nodeSegment = new Int32Array(64);
  #nodeOffset = new Int32Array(64);
  /**
   * A node's block address, worked out once when the node is made: read
   * back as it is, where `segment * 2^31 + offset` on every allocation and
   * free made V8 check that the product is an integer (a tenth of a mixed
   * replay).
   */
  #nodeAddr = new Float64Array(64);
  // The list links are kept at index `node + 1`: slot 0 takes the writes
  // through a missing link (-1 + 1), so that list updates need no branch
  // on a neighbour (the lists' shapes are random, and such a branch
  // mispredicts). The spare pool is chained through `#nodeNext` too.
  #nodeNext = new Int32Array(65);
  #nodePrev = new Int32Array(65);
  /** A node's block order, plus {@linkcode LIVE} while the block is allocated. */
  #nodeOrder = new Uint8Array(64);
  /** The node at the position of a node's buddy at its order (-1: none in the heap). */
  #nodeBuddy = new Int32Array(64);
  /**
   * For a node that is a high half (its offset's lowest set bit is the order
   * at which it is one): the node at the position of its parent's buddy,
   * the block the merged pair would merge with next (-1: none in the heap).
   */
  #nodeUp = new Int32Array(64);
  #spareNode = -1;
  #nodeCount = 0;
  /**
   * Every block, free or allocated, by position: an open-addressing table
   * of nodes (-1 empty; linear probing, backward-shift deletion) keyed by
   * the nodes' own segment and offset. Finding a buddy needs no table (the
   * links above); a free by pointer and memory added do. So the table is
   * dropped when it has been kept up to date through many splits and
   * merges (two per node) without a lookup, and built again on the next:
   * a heap freed by handles only (a replay) soon stops maintaining it, and
   * a rebuild costs no more than the updates it saved. An allocated block
   * keeps its node (off every list), so allocating and freeing without a
   * split or merge never touches it.
   */
  #table = new Int32Array(2048).fill(-1);
  /** Whether {@linkcode BuddyHeap.#table} holds every node. */
  #indexed = true;
  /** Table updates since the last lookup (see above). */
  #unused = 0;
  #mask = 2047;
  #shift = Math.clz32(2048) + 1;
  #tableSize = 0;
  /** Regions added, sorted by start: [start, end) pairs. */
  #regions = new RegionList();
  #user = 0;
  #allocated = 0;
  #total = 0;

  /**
   * Creates an empty heap; `uncappedOrders` models version 0.10 (see
   * above), `pointerWidth: 4` a 32-bit target (4-byte smallest blocks).
   */
  constructor(options: { uncappedOrders?: boolean } & PointerWidthOptions = {}) {
    this.#uncapped = options.uncappedOrders ?? false;
    this.#word = options.pointerWidth ?? 8;
    this.#wordLog2 = this.#word === 4 ? 2 : 3;
  }

  /** `Heap::init(start, size)`: same as `addToHeap(start, start + size)`. */
  init(start: number, size: number): void {
    checkRegion(start, size);
    this.addToHeap(start, start + size);
  }

  /**
   * `Heap::add_to_heap(start, end)`: carves `[start, end)` (aligned to a word
   * bytes inwards) into the largest naturally aligned blocks, each pushed on
   * its order's list. Overlap with memory already added is `MemoryOverlap`.
   */
  addToHeap(start: number, end: number): void {
    checkRegion(start, end - start);
    const word = this.#word;
    const s = alignUp(start, word);
    const e = alignDown(end, word);
    if (s > e) {
      throw new AllocError("InvalidParam", {
        address: start,
        reason: `region [${hex(start)}, ${hex(end)}) holds no aligned word (the real heap asserts)`,
      });
    }
    if (this.#uncapped) {
      // The greedy carving below reaches every 4 GiB boundary it can fill a
      // 4 GiB block from, and 0.10 then indexes free_list[32]: a panic.
      const big = 2 ** BUDDY_ORDERS;
      const at = alignUp(s, big);
      if (at + big <= e) {
        throw new KernelPanic(
          `index out of bounds in add_to_heap: [${hex(start)}, ${hex(end)}) holds an aligned ` +
            `block of 4 GiB at ${hex(at)}, past the heap's ${BUDDY_ORDERS} orders ` +
            `(buddy_system_allocator 0.10)`,
        );
      }
    }
    this.#claimRegion(s, e);
    this.#index();
    if (this.#regions.length === 1) {
      this.#segment0 = Math.floor(s * PER_SEGMENT);
      this.#base0 = this.#segment0 * SEGMENT_BYTES;
    }
    let cur = s;
    let total = 0;
    const added: number[] = [];
    while (cur + word <= e) {
      // Local 0 is a window's origin (1 TiB aligned), aligned to every block size.
      const low = cur === 0 ? Infinity : lowestSetBit(cur);
      let size = Math.min(low, prevPowerOfTwo(e - cur));
      if (size > 2 ** (BUDDY_ORDERS - 1)) size = 2 ** (BUDDY_ORDERS - 1);
      total += size;
      const segment = Math.floor(cur * PER_SEGMENT);
      added.push(this.#push(log2Floor(size), segment, cur - segment * SEGMENT_BYTES));
      cur += size;
    }
    this.#total += total;
    for (const n of added) this.#linkAdded(n);
  }

  /** The largest free block, in bytes (0 when none is free). */
  largestFreeBlock(): number {
    return this.#nonEmpty === 0 ? 0 : POW2[31 - Math.clz32(this.#nonEmpty)];
  }

  /**
   * `Heap::alloc(layout)`: a block of `max(size.next_power_of_two(), align,
   * 8)` bytes from the lowest non-empty order that fits, splitting larger
   * blocks (the low half is used, the high half pushed).
   */
  alloc(size: number, align: number): number {
    const p = this.tryAlloc(size, align);
    if (p === NO_MEMORY) throw this.noMemory(size, align);
    return p;
  }

  /** The `NoMemory` error, in words, of a request {@linkcode BuddyHeap.tryAlloc} refused. */
  noMemory(size: number, align: number): AllocError {
    const order = blockOrder(size, align, this.#wordLog2);
    return noMemory(
      order >= BUDDY_ORDERS
        ? `no buddy order holds ${POW2[order]} bytes`
        : `no free block of ${POW2[order]} bytes or more`,
    );
  }

  /**
   * {@linkcode BuddyHeap.alloc} without the exception: the block, or
   * {@linkcode NO_MEMORY} (a failure then costs what a success does).
   */
  tryAlloc(size: number, align: number): number {
    const order = blockOrder(size, align, this.#wordLog2);
    // (`>>>` counts its shift modulo 32: orders past 31 are refused first.)
    const candidates = order < BUDDY_ORDERS ? (this.#nonEmpty >>> order) << order : 0;
    if (candidates === 0) return NO_MEMORY_RESULT[0];
    const j = 31 - Math.clz32(candidates & -candidates);
    // Pop the head of list j.
    const n = this.#heads[j];
    const next = this.#nodeNext[n + 1];
    this.#heads[j] = next;
    this.#nodePrev[next + 1] = -1; // (the list is now empty: slot 0)
    this.#nonEmpty &= ~((1 << j) & (next >> 31));
    if (j > order) this.#split(n, j, order);
    this.#nodeOrder[n] = order | LIVE;
    this.#user += size;
    this.#allocated += (1 << order) >>> 0; // (orders stop at 31: exact)
    this.lastHandle = n;
    return this.#address(n);
  }

  /**
   * The handle (the block's node) of the block the last successful
   * allocation took, for {@linkcode BuddyHeap.deallocHandle}.
   */
  lastHandle: number = -1;

  /**
   * Splits node `n`'s free block of order `from` down to `to`: each step
   * pushes the high half, then the low half, and the next step (or the
   * final pop) takes the low half straight back, so only the high halves
   * are pushed. The low half is `n`'s own block. Out of line: most
   * allocations find a block of their own order.
   */
  #split(n: number, from: number, to: number): void {
    const segment = this.#nodeSegment[n];
    const offset = this.#nodeOffset[n];
    for (let j = from - 1; j >= to; j--) {
      const h = this.#push(j, segment, offset + (1 << j));
      // The high half keeps the parent's buddy; the halves are each other's.
      this.#nodeUp[h] = this.#nodeBuddy[n];
      this.#nodeBuddy[h] = n;
      this.#nodeBuddy[n] = h;
    }
  }

  /**
   * `Heap::dealloc(ptr, layout)`: pushes the block and merges it with free
   * buddies upwards. A pointer that is not a live block of this layout's
   * order is reported (`NotAllocated` / `InvalidParam`) and changes nothing.
   */
  dealloc(ptr: number, size: number, align: number): void {
    const order = blockOrder(size, align, this.#wordLog2);
    // The block's position: in the first region's segment (one subtraction
    // tells), or out of line.
    let segment = this.#segment0;
    let offset = (ptr - this.#base0) | 0;
    if (offset < 0 || offset + this.#base0 !== ptr) {
      segment = Math.floor(ptr * PER_SEGMENT);
      offset = this.#offsetIn(segment, ptr);
    }
    const n = offset >= 0 ? this.#find(segment, offset) : -1;
    if (n < 0 || this.#nodeOrder[n] !== (order | LIVE)) throw this.#badFree(ptr, n, order);
    this.#free(n, order, size);
  }

  /**
   * {@linkcode BuddyHeap.dealloc} told the handle
   * {@linkcode BuddyHeap.lastHandle} gave when `ptr` was allocated: the
   * block is found without a lookup. A handle that is not `ptr`'s live
   * block of this layout's order is checked and reported as `dealloc` does.
   */
  deallocHandle(ptr: number, size: number, align: number, handle: number): void {
    if (!this.freeHandle(ptr, size, align, handle)) this.dealloc(ptr, size, align);
  }

  /**
   * Frees `ptr` by its handle when the handle is `ptr`'s live block of this
   * layout's order, and says whether it did: false changes nothing (the
   * caller checks the free its own way, as
   * {@linkcode BuddyHeap.deallocHandle} does with `dealloc`).
   */
  freeHandle(ptr: number, size: number, align: number, handle: number): boolean {
    const order = blockOrder(size, align, this.#wordLog2);
    if (
      handle >= 0 && handle < this.#nodeCount && this.#nodeOrder[handle] === (order | LIVE) &&
      this.#address(handle) === ptr
    ) {
      this.#free(handle, order, size);
      return true;
    }
    return false;
  }

  /** Frees live node `n` of `order`, `size` bytes asked for. */
  #free(n: number, order: number, size: number): void {
    // (The real heap stops merging at order 31, where it would index past
    // its 32 lists: a block of order 31 has no buddy link.)
    const b = this.#nodeBuddy[n];
    if (b >= 0 && this.#nodeOrder[b] === order) this.#merge(n, order, b);
    else this.#link(n, order);
    this.#user -= size;
    this.#allocated -= (1 << order) >>> 0;
  }

  /** Why a free was refused: the error {@linkcode BuddyHeap.dealloc} throws. */
  #badFree(ptr: number, n: number, order: number): AllocError {
    if (n < 0 || this.#nodeOrder[n] < LIVE) return notLive(ptr);
    return wrongOrder(ptr, this.#nodeOrder[n] - LIVE, order);
  }

  /**
   * Frees live node `n` (of `order`) whose buddy, node `b`, is free: merges
   * upwards while the buddy is a free block of the same order. Of two
   * buddies the one at the lower address lives on (its table entry stays)
   * and the other's node goes back to the pool. Pushes the merged block.
   */
  #merge(n: number, order: number, b: number): void {
    let o = order;
    for (;;) {
      this.#detach(b);
      let gone = b;
      if (this.#nodeOffset[b] < this.#nodeOffset[n]) {
        gone = n;
        n = b;
      }
      // The merged block's buddy is the one its high half kept.
      b = this.#nodeUp[gone];
      this.#nodeBuddy[n] = b;
      if (this.#indexed) this.#remove(gone);
      this.#release(gone);
      o++;
      if (o >= BUDDY_ORDERS - 1) break;
      if (b < 0 || this.#nodeOrder[b] !== o) break; // none, split or allocated
    }
    this.#link(n, o);
  }

  /** Bytes the callers asked for (`stats_alloc_user`). */
  statsAllocUser(): number {
    return this.#user;
  }

  /** Bytes handed out in whole blocks (`stats_alloc_actual`). */
  statsAllocActual(): number {
    return this.#allocated;
  }

  /** Bytes added to the heap (`stats_total_bytes`). */
  statsTotalBytes(): number {
    return this.#total;
  }

  /** The number of free blocks on each order's list, order 0 first. */
  freeBlockCounts(): number[] {
    const counts = new Array<number>(BUDDY_ORDERS).fill(0);
    for (let n = 0; n < this.#nodeCount; n++) {
      if (this.#nodeOrder[n] < GONE) counts[this.#nodeOrder[n]]++;
    }
    return counts;
  }

  /** The free blocks of one order, in list order (head first). */
  freeList(order: number): number[] {
    const out: number[] = [];
    for (let n = this.#heads[order]; n >= 0; n = this.#nodeNext[n + 1]) {
      out.push(this.#address(n));
    }
    return out;
  }

  /** Whether `ptr` is the start of a live (allocated) block. */
  isAllocated(ptr: number): boolean {
    const segment = Math.floor(ptr * PER_SEGMENT);
    const offset = this.#offsetIn(segment, ptr);
    const n = offset >= 0 ? this.#find(segment, offset) : -1;
    return n >= 0 && this.#nodeOrder[n] >= LIVE;
  }

  /**
   * The offset of `ptr` in `segment`, or -1 when it is not a whole number
   * of bytes (not a pointer to any block).
   */
  #offsetIn(segment: number, ptr: number): number {
    const at = ptr - segment * SEGMENT_BYTES;
    return (at | 0) === at ? at : -1;
  }

  /** The address of node `n`'s block. */
  #address(n: number): number {
    return this.#nodeAddr[n];
  }

  #claimRegion(start: number, end: number): void {
    const other = this.#regions.claim(start, end);
    if (other !== undefined) {
      throw new AllocError("MemoryOverlap", {
        address: start,
        reason: `[${hex(start)}, ${hex(end)}) overlaps memory already in the heap ` +
          `[${hex(other[0])}, ${hex(other[1])})`,
      });
    }
  }

  /** The table slot a position hashes to. */
  #home(segment: number, offset: number): number {
    return Math.imul(offset ^ Math.imul(segment, SEGMENT_MIX), GOLDEN) >>> this.#shift;
  }

  /** The node of the block at (`segment`, `offset`), or -1. */
  #find(segment: number, offset: number): number {
    if (!this.#indexed) this.#index();
    this.#unused = 0;
    const table = this.#table;
    const mask = this.#mask;
    for (let i = this.#home(segment, offset);; i = (i + 1) & mask) {
      const n = table[i];
      if (n < 0 || (this.#nodeOffset[n] === offset && this.#nodeSegment[n] === segment)) return n;
    }
  }

  /** Indexes node `n` by its position (not yet in the table). */
  #insert(n: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let i = this.#home(this.#nodeSegment[n], this.#nodeOffset[n]);
    while (table[i] >= 0) i = (i + 1) & mask;
    table[i] = n;
    if (++this.#tableSize * 2 > mask) this.#growTable();
    this.#touched();
  }

  /** Counts a table update; many without a lookup drop the table (see {@linkcode BuddyHeap.#table}). */
  #touched(): void {
    if (++this.#unused > this.#nodeCount * 2 + 1024) this.#indexed = false;
  }

  /** Takes node `n` out of the table, closing the probe run behind it. */
  #remove(n: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let hole = this.#home(this.#nodeSegment[n], this.#nodeOffset[n]);
    while (table[hole] !== n) hole = (hole + 1) & mask;
    for (let j = (hole + 1) & mask;; j = (j + 1) & mask) {
      const m = table[j];
      if (m < 0) break;
      const home = this.#home(this.#nodeSegment[m], this.#nodeOffset[m]);
      if (hole <= j ? (home <= hole || home > j) : (home <= hole && home > j)) {
        table[hole] = m;
        hole = j;
      }
    }
    table[hole] = -1;
    this.#tableSize--;
    this.#touched();
  }

  #growTable(): void {
    const old = this.#table;
    this.#newTable(old.length * 2);
    for (const n of old) if (n >= 0) this.#insert(n);
  }

  /** An empty table of `cap` slots (a power of two). */
  #newTable(cap: number): void {
    this.#table = new Int32Array(cap).fill(-1);
    this.#mask = cap - 1;
    this.#shift = Math.clz32(cap) + 1;
    this.#tableSize = 0;
  }

  /** Builds the table of blocks by position, unless it is up to date. */
  #index(): void {
    if (this.#indexed) return;
    let cap = 2048;
    while (cap < this.#nodeCount * 4) cap *= 2;
    this.#newTable(cap);
    this.#indexed = true;
    // (Counted from zero: the rebuild's own inserts must not drop the table.)
    this.#unused = 0;
    for (let n = 0; n < this.#nodeCount; n++) if (this.#nodeOrder[n] !== GONE) this.#insert(n);
    this.#unused = 0;
  }

  /**
   * Links node `n`, a block just added to the heap, to its buddies, and the
   * blocks whose buddy (or whose parent's buddy) starts where `n` does to
   * `n`: memory added can give a block a buddy where there was none.
   */
  #linkAdded(n: number): void {
    const segment = this.#nodeSegment[n];
    const at = this.#nodeOffset[n];
    const order = this.#nodeOrder[n];
    // A block at offset `at` is a high half at order `h`, the lowest set bit
    // of `at`: its parent (order h + 1) starts at `at ^ 2^h`, and the
    // parent's buddy one bit up. No block merges past order 31.
    const h = at === 0 ? BUDDY_ORDERS - 1 : 31 - Math.clz32(at & -at);
    this.#nodeBuddy[n] = order < BUDDY_ORDERS - 1 ? this.#find(segment, at ^ (1 << order)) : -1;
    this.#nodeUp[n] = h + 1 < BUDDY_ORDERS - 1
      ? this.#find(segment, at ^ (1 << h) ^ (1 << (h + 1)))
      : -1;
    // The blocks whose buddy at order k starts at `at` (k <= h): a block of
    // that order at `at ^ 2^k`, or, when that block is split, the high half
    // it was split into, which keeps the buddy for it.
    for (let k = Math.min(h, BUDDY_ORDERS - 2); k >= 0; k--) {
      const other = at ^ (1 << k);
      const b = this.#find(segment, other);
      if (b >= 0 && (this.#nodeOrder[b] & ~LIVE) === k) this.#nodeBuddy[b] = n;
      const half = k > 0 ? this.#find(segment, other + (1 << (k - 1))) : -1;
      if (half >= 0) this.#nodeUp[half] = n;
    }
  }

  #newNode(): number {
    let n = this.#spareNode;
    if (n >= 0) {
      this.#spareNode = this.#nodeNext[n + 1];
      return n;
    }
    n = this.#nodeCount++;
    if (n === this.#nodeOffset.length) this.#growNodes();
    return n;
  }

  #growNodes(): void {
    const cap = this.#nodeOffset.length * 2;
    const grown = <T extends Int32Array | Uint8Array | Float64Array>(old: T, fresh: T): T => {
      fresh.set(old);
      return fresh;
    };
    this.#nodeSegment = grown(this.#nodeSegment, new Int32Array(cap));
    this.#nodeOffset = grown(this.#nodeOffset, new Int32Array(cap));
    this.#nodeAddr = grown(this.#nodeAddr, new Float64Array(cap));
    this.#nodeNext = grown(this.#nodeNext, new Int32Array(cap + 1));
    this.#nodePrev = grown(this.#nodePrev, new Int32Array(cap + 1));
    this.#nodeOrder = grown(this.#nodeOrder, new Uint8Array(cap));
    this.#nodeBuddy = grown(this.#nodeBuddy, new Int32Array(cap));
    this.#nodeUp = grown(this.#nodeUp, new Int32Array(cap));
  }

  /** Pushes a new free block on `order`'s list (and into the table, if kept); returns its node. */
  #push(order: number, segment: number, offset: number): number {
    const n = this.#newNode();
    this.#nodeSegment[n] = segment;
    this.#nodeOffset[n] = offset;
    this.#nodeAddr[n] = segment * SEGMENT_BYTES + offset;
    this.#link(n, order);
    if (this.#indexed) this.#insert(n);
    return n;
  }

  /** Puts node `n` at the head of `order`'s list, as a free block of that order. */
  #link(n: number, order: number): void {
    const head = this.#heads[order];
    this.#nodeOrder[n] = order;
    this.#nodePrev[n + 1] = -1;
    this.#nodeNext[n + 1] = head;
    this.#nodePrev[head + 1] = n; // (an empty list: slot 0)
    this.#heads[order] = n;
    this.#nonEmpty |= 1 << order;
  }

  /**
   * Takes node `n` off its list (it keeps its position and table entry),
   * without a branch: links through a missing neighbour land in slot 0, and
   * the head and the non-empty mask are updated under -1/0 masks.
   */
  #detach(n: number): void {
    const order = this.#nodeOrder[n];
    const prev = this.#nodePrev[n + 1];
    const next = this.#nodeNext[n + 1];
    this.#nodeNext[prev + 1] = next;
    this.#nodePrev[next + 1] = prev;
    const wasHead = prev >> 31; // -1 when `n` was the head (prev is -1)
    const heads = this.#heads;
    heads[order] = (next & wasHead) | (heads[order] & ~wasHead);
    this.#nonEmpty &= ~((1 << order) & wasHead & (next >> 31));
  }

  /** Returns node `n` to the spare pool (no longer a block: a stale handle to it is refused). */
  #release(n: number): void {
    this.#nodeOrder[n] = GONE;
    this.#nodeNext[n + 1] = this.#spareNode;
    this.#spareNode = n;
  }
}
