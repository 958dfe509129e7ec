/**
 * A model of `buddy_system_allocator::Heap<32>` (rcore-os), the buddy heap
 * behind ArceOS's `BuddyByteAllocator` and behind the slab allocator's large
 * requests.
 *
 * The real heap keeps one LIFO singly linked free list per order and, when
 * freeing, scans the buddy's list from its head. This model keeps the same
 * lists in the same order (so every address comes out the same) but indexes
 * free blocks by address, so finding a buddy costs O(1) instead of a scan.
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
import { ADDRESS_INT_MAP_MISSING, AddressIntMap } from "./address_map.ts";
import { AllocError, NO_MEMORY } from "./alloc_error.ts";
import { KernelPanic } from "../kernel_panic.ts";
import { checkLayout, checkRegion, type PointerWidthOptions } from "./layout.ts";

/** The number of orders of `Heap<32>`: blocks of 2^0 .. 2^31 bytes. */
export const BUDDY_ORDERS = 32;
/** The flag {@linkcode BuddyHeap}'s node order carries while its block is allocated. */
const LIVE = 0x80;

/**
 * The order of the block a layout takes: `log2(max(size.next_power_of_two(),
 * align, size_of::<usize>()))` (`wordLog2`: 3 on a 64-bit target, 2 on a
 * 32-bit one), with a 32-bit fast path; invalid layouts throw `InvalidParam`.
 */
function blockOrder(size: number, align: number, wordLog2: number): number {
  checkLayout(size, align);
  if (size <= 0x4000_0000 && align <= 0x4000_0000) {
    const s = size <= 1 << wordLog2 ? wordLog2 : 32 - Math.clz32(size - 1);
    const a = 31 - Math.clz32(align);
    return s > a ? s : a;
  }
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
  // Free lists: intrusive doubly linked lists over a node pool.
  #heads = new Int32Array(BUDDY_ORDERS).fill(-1);
  #nonEmpty = 0;
  #nodeAddr = new Float64Array(64);
  #nodeNext = new Int32Array(64);
  #nodePrev = new Int32Array(64);
  /** A node's block order, plus {@linkcode LIVE} while the block is allocated. */
  #nodeOrder = new Uint8Array(64);
  #spareNode = -1;
  #nodeCount = 0;
  /**
   * Every block, free or allocated, by start address: its node. An
   * allocated block keeps its node (off every list), so allocating and
   * freeing without a split or merge never touches this map.
   */
  #blocks = new AddressIntMap(1024);
  /** Regions added, sorted by start: [start, end) pairs. */
  #regions: [number, number][] = [];
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
    let cur = s;
    let total = 0;
    while (cur + word <= e) {
      // Local 0 is a window's origin (1 TiB aligned), aligned to every block size.
      const low = cur === 0 ? Infinity : lowestSetBit(cur);
      let size = Math.min(low, prevPowerOfTwo(e - cur));
      if (size > 2 ** (BUDDY_ORDERS - 1)) size = 2 ** (BUDDY_ORDERS - 1);
      total += size;
      this.#push(log2Floor(size), cur);
      cur += size;
    }
    this.#total += total;
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
    const blockSize = POW2[order];
    if (order >= BUDDY_ORDERS) return NO_MEMORY;
    const candidates = (this.#nonEmpty >>> order) << order;
    if (candidates === 0) return NO_MEMORY;
    let j = 31 - Math.clz32(candidates & -candidates);
    const n = this.#heads[j];
    this.#detach(n);
    const block = this.#nodeAddr[n];
    // Each split pushes the high half, then the low half, and the next
    // step (or the final pop) takes the low half straight back: the low
    // half is `block` itself, whose node (and map entry) it keeps.
    while (j > order) {
      j--;
      this.#push(j, block + POW2[j]);
    }
    this.#nodeOrder[n] = order | LIVE;
    this.#user += size;
    this.#allocated += blockSize;
    return block;
  }

  /**
   * `Heap::dealloc(ptr, layout)`: pushes the block and merges it with free
   * buddies upwards. A pointer that is not a live block of this layout's
   * order is reported (`NotAllocated` / `InvalidParam`) and changes nothing.
   */
  dealloc(ptr: number, size: number, align: number): void {
    const order = blockOrder(size, align, this.#wordLog2);
    const blockSize = POW2[order];
    const n = this.#blocks.get(ptr);
    if (n === ADDRESS_INT_MAP_MISSING || this.#nodeOrder[n] < LIVE) throw notLive(ptr);
    const liveOrder = this.#nodeOrder[n] - LIVE;
    if (liveOrder !== order) throw wrongOrder(ptr, liveOrder, order);
    let cur = ptr;
    let curOrder = order;
    // The real heap stops at order 31 (merging further would index past its
    // 32 lists); so does the model.
    while (curOrder < BUDDY_ORDERS - 1) {
      const bit = POW2[curOrder];
      // Is `cur` the upper buddy? (bit <= 2^30: the low 32 bits decide.)
      const high = ((cur >>> 0) & bit) !== 0;
      const buddy = high ? cur - bit : cur + bit;
      const node = this.#blocks.get(buddy);
      if (node < 0 || this.#nodeOrder[node] !== curOrder) break; // missing, split or allocated
      this.#blocks.delete(buddy);
      this.#detach(node);
      this.#release(node);
      if (high) cur = buddy;
      curOrder++;
    }
    // The merged block's node is ptr's, moved to the merged block's start.
    if (cur !== ptr) {
      this.#blocks.delete(ptr);
      this.#blocks.set(cur, n);
      this.#nodeAddr[n] = cur;
    }
    this.#link(n, curOrder);
    this.#user -= size;
    this.#allocated -= blockSize;
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
    this.#blocks.forEach((n) => {
      if (this.#nodeOrder[n] < LIVE) counts[this.#nodeOrder[n]]++;
    });
    return counts;
  }

  /** The free blocks of one order, in list order (head first). */
  freeList(order: number): number[] {
    const out: number[] = [];
    for (let n = this.#heads[order]; n >= 0; n = this.#nodeNext[n]) out.push(this.#nodeAddr[n]);
    return out;
  }

  /** Whether `ptr` is the start of a live (allocated) block. */
  isAllocated(ptr: number): boolean {
    const n = this.#blocks.get(ptr);
    return n !== ADDRESS_INT_MAP_MISSING && this.#nodeOrder[n] >= LIVE;
  }

  #claimRegion(start: number, end: number): void {
    const regions = this.#regions;
    let i = 0;
    while (i < regions.length && regions[i][0] < start) i++;
    const before = regions[i - 1];
    const after = regions[i];
    if ((before && before[1] > start) || (after && after[0] < end)) {
      const other = before && before[1] > start ? before : after;
      throw new AllocError("MemoryOverlap", {
        address: start,
        reason: `[${hex(start)}, ${hex(end)}) overlaps memory already in the heap ` +
          `[${hex(other[0])}, ${hex(other[1])})`,
      });
    }
    regions.splice(i, 0, [start, end]);
  }

  #newNode(): number {
    let n = this.#spareNode;
    if (n >= 0) {
      this.#spareNode = this.#nodeNext[n];
      return n;
    }
    n = this.#nodeCount++;
    if (n === this.#nodeAddr.length) this.#grow();
    return n;
  }

  #grow(): void {
    const cap = this.#nodeAddr.length * 2;
    const addr = new Float64Array(cap);
    addr.set(this.#nodeAddr);
    this.#nodeAddr = addr;
    const next = new Int32Array(cap);
    next.set(this.#nodeNext);
    this.#nodeNext = next;
    const prev = new Int32Array(cap);
    prev.set(this.#nodePrev);
    this.#nodePrev = prev;
    const order = new Uint8Array(cap);
    order.set(this.#nodeOrder);
    this.#nodeOrder = order;
  }

  /** Pushes a new free block on `order`'s list and into the block map. */
  #push(order: number, addr: number): void {
    const n = this.#newNode();
    this.#nodeAddr[n] = addr;
    this.#link(n, order);
    this.#blocks.set(addr, n);
  }

  /** Puts node `n` at the head of `order`'s list, as a free block of that order. */
  #link(n: number, order: number): void {
    const head = this.#heads[order];
    this.#nodeOrder[n] = order;
    this.#nodePrev[n] = -1;
    this.#nodeNext[n] = head;
    if (head >= 0) this.#nodePrev[head] = n;
    this.#heads[order] = n;
    this.#nonEmpty |= 1 << order;
  }

  /** Takes node `n` off its list (it keeps its address and map entry). */
  #detach(n: number): void {
    const order = this.#nodeOrder[n];
    const prev = this.#nodePrev[n];
    const next = this.#nodeNext[n];
    if (prev >= 0) this.#nodeNext[prev] = next;
    else {
      this.#heads[order] = next;
      if (next < 0) this.#nonEmpty &= ~(1 << order);
    }
    if (next >= 0) this.#nodePrev[next] = prev;
  }

  /** Returns node `n` to the spare pool. */
  #release(n: number): void {
    this.#nodeNext[n] = this.#spareNode;
    this.#spareNode = n;
  }
}
