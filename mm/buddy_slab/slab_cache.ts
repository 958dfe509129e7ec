/**
 * The slab side of `buddy-slab-allocator` 0.4.6 (`src/slab/`, tgoskits
 * 759e69c): size classes, slab pages with their bitmap and lock-free
 * remote-free stack, and the per-class caches of one CPU.
 *
 * - Classes 8, 16, ..., 2048 bytes; a layout takes the smallest class of
 *   at least `max(size, align)`. Slabs of 1 page up to 256 bytes, 2 pages
 *   for 512 and 1024, 4 pages for 2048.
 * - A slab starts with a 128-byte header; objects start at the header's end
 *   rounded up to the object size, at most 512 of them. A bitmap marks the
 *   free ones; allocation takes the lowest.
 * - Each cache keeps partial, full and empty lists (pushed at the front)
 *   and at most one empty slab: allocation takes the first partial slab
 *   (draining its remote frees first), else the first full slab that has
 *   remote frees (drained, moved to partial), else the cached empty one;
 *   else the caller must bring a new slab. A local free that empties a
 *   slab caches it when no empty one is cached, and otherwise hands it
 *   back to the page allocator.
 * - A free on another CPU pushes the object on its slab's remote-free
 *   stack; only the owner drains it, on its next allocation from that
 *   slab (or the next local free into it).
 *
 * @module
 */

import { NOT_FOUND_RESULT } from "../allocator/unboxed_results.ts";

/** Object sizes of the classes, smallest first. */
export const SLAB_CLASS_SIZES: readonly number[] = [8, 16, 32, 64, 128, 256, 512, 1024, 2048];
/** The largest size and alignment the slab serves. */
export const SLAB_MAX_SIZE = 2048;
/** `size_of::<SlabPageHeader>()` on a 64-bit target. */
export const SLAB_HEADER_BYTES = 128;
const MAX_OBJECTS = 512;
const PAGE = 4096;

/** Where a slab sits in its cache. */
export type SlabListState = "none" | "partial" | "full" | "empty";

/** The class index for a layout (`SizeClass::from_layout`), or -1 past 2048 bytes. */
export function slabClassOf(size: number, align: number): number {
  const need = size > align ? size : align;
  if (need <= 8) return 0;
  if (need > SLAB_MAX_SIZE) return -1;
  return 29 - Math.clz32(need - 1);
}

/** Pages of one slab of class `index` (`SizeClass::slab_pages`). */
export function slabPagesOf(index: number): number {
  const size = SLAB_CLASS_SIZES[index];
  if (size <= 256) return 1;
  if (size <= 1024) return 2;
  return Math.max(1, Math.min(4, Math.floor(16 * PAGE / (size * 8))));
}

/** Bytes from a slab's start to its first object (`data_offset`). */
export function slabDataOffset(objectSize: number): number {
  return Math.ceil(SLAB_HEADER_BYTES / objectSize) * objectSize;
}

/**
 * One slab: its header's fields (`SlabPageHeader`) and, apart, which
 * objects wait on the remote-free stack.
 */
export class SlabPage {
  /** The class's object size. */
  objectSize = 0;
  /** The first object's address. */
  dataStart = 0;
  /** Objects the slab holds (`object_count`). */
  objectCount = 0;
  /** The slab's bytes (`slab_bytes`: its pages). */
  slabBytes = 0;
  /** Free objects in the bitmap (`local_free_count`). */
  localFree = 0;
  /** The slab's first byte: its header. */
  base = 0;
  /** The class (0 for 8 bytes ... 8 for 2048). */
  classIndex = 0;
  /** The CPU that owns it (`owner_cpu`). */
  owner = 0;
  /** The number its allocator knows it by (its own bookkeeping, not the header's). */
  id = 0;
  /** The list it is on (`list_state`). */
  state: SlabListState = "none";
  /** The slab before it on that list. */
  prev: SlabPage | null = null;
  /** The slab after it on that list. */
  next: SlabPage | null = null;
  /** Set bits: free slots, 16 to a word (small integers keep the array cheap to make). */
  readonly bitmap: number[] = new Array<number>(MAX_OBJECTS / 16).fill(0);
  /** Every bitmap word below this one is 0 (where the search for a free slot starts). */
  #lowWord = 0;
  /**
   * Slots on the remote-free stack, in the order they were pushed: the
   * first {@linkcode SlabPage.remoteCount} (a typed array, so that a push
   * and a drain allocate nothing).
   */
  readonly #remoteStack = new Int16Array(MAX_OBJECTS);
  /** The same slots as set bits, 16 to a word: whether a slot waits, in one look. */
  readonly #remoteBits: number[] = new Array<number>(MAX_OBJECTS / 16).fill(0);
  /** Objects on the remote-free stack. */
  remoteCount = 0;

  /** The slots on the remote-free stack, latest last (a copy). */
  get remote(): number[] {
    return Array.from(this.#remoteStack.subarray(0, this.remoteCount));
  }

  /** A slab of class `classIndex` at `base` (`SlabPageHeader::init`), owned by `owner`. */
  constructor(base: number, classIndex: number, owner: number) {
    this.init(base, classIndex, owner);
  }

  /** (Re)initialises the header (`SlabPageHeader::init`): every object free, no remote frees. */
  init(base: number, classIndex: number, owner: number): void {
    this.base = base;
    this.classIndex = classIndex;
    this.owner = owner;
    this.state = "none";
    this.prev = null;
    this.next = null;
    this.remoteCount = 0;
    this.#remoteBits.fill(0);
    this.objectSize = SLAB_CLASS_SIZES[classIndex];
    this.slabBytes = slabPagesOf(classIndex) * PAGE;
    const offset = slabDataOffset(this.objectSize);
    this.dataStart = base + offset;
    this.objectCount = Math.min(
      Math.floor((this.slabBytes - offset) / this.objectSize),
      MAX_OBJECTS,
    );
    this.localFree = this.objectCount;
    const words = this.bitmap;
    const full = this.objectCount >>> 4;
    for (let w = 0; w < words.length; w++) words[w] = w < full ? 0xffff : 0;
    this.#lowWord = 0;
    if ((this.objectCount & 15) !== 0) words[full] = (1 << (this.objectCount & 15)) - 1;
  }

  /** The lowest free slot, taken (`local_alloc`); -1 when none. */
  localAlloc(): number {
    const words = this.bitmap;
    for (let w = this.#lowWord; w < words.length; w++) {
      const word = words[w];
      if (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        words[w] = word & ~(1 << bit);
        this.localFree--;
        this.#lowWord = w;
        return w * 16 + bit;
      }
    }
    this.#lowWord = words.length;
    return -1;
  }

  /** Whether slot `i` is free in the bitmap. */
  isFree(i: number): boolean {
    return (this.bitmap[i >>> 4] & (1 << (i & 15))) !== 0;
  }

  /** Whether slot `i` waits on the remote-free stack. */
  isRemote(i: number): boolean {
    return (this.#remoteBits[i >>> 4] & (1 << (i & 15))) !== 0;
  }

  /** Slot `i` back in the bitmap (`local_free`). */
  localFreeSlot(i: number): void {
    const w = i >>> 4;
    this.bitmap[w] |= 1 << (i & 15);
    if (w < this.#lowWord) this.#lowWord = w;
    this.localFree++;
  }

  /** Slot `i` pushed on the remote-free stack (`remote_free`). */
  remoteFree(i: number): void {
    this.#remoteStack[this.remoteCount++] = i;
    this.#remoteBits[i >>> 4] |= 1 << (i & 15);
  }

  /** Every slot on the remote-free stack back in the bitmap (`drain_remote_frees`); how many. */
  drain(): number {
    const n = this.remoteCount;
    const stack = this.#remoteStack;
    const bits = this.#remoteBits;
    for (let k = 0; k < n; k++) {
      const i = stack[k];
      this.localFreeSlot(i);
      bits[i >>> 4] &= ~(1 << (i & 15));
    }
    this.remoteCount = 0;
    return n;
  }

  /** The slot of the object at `addr`, or -1 when `addr` is not an object's start. */
  slotOf(addr: number): number {
    const d = addr - this.dataStart;
    if (d < 0 || d >= this.slabBytes || (d & (this.objectSize - 1)) !== 0) return -1;
    // (An integer: a double here would be boxed for the calls it reaches.)
    const i = (d / this.objectSize) | 0;
    return i < this.objectCount ? i : -1;
  }

  /** The address of slot `i`. */
  objectAddr(i: number): number {
    return this.dataStart + i * this.objectSize;
  }
}

/** An intrusive list of slabs, pushed at the front. */
export class SlabList {
  /** The front slab. */
  first: SlabPage | null = null;
  /** Slabs on the list. */
  length = 0;
  /** An empty list of `kind`. */
  constructor(readonly kind: SlabListState) {}

  /** Puts `s` at the front. */
  pushFront(s: SlabPage): void {
    s.state = this.kind;
    s.prev = null;
    s.next = this.first;
    if (this.first !== null) this.first.prev = s;
    this.first = s;
    this.length++;
  }

  /** Forgets every slab on the list (their headers are left as they are). */
  clear(): void {
    this.first = null;
    this.length = 0;
  }

  /** Takes `s` off the list. */
  remove(s: SlabPage): void {
    if (s.prev !== null) s.prev.next = s.next;
    else this.first = s.next;
    if (s.next !== null) s.next.prev = s.prev;
    s.prev = null;
    s.next = null;
    s.state = "none";
    this.length--;
  }
}

/** One size class's cache (`SlabCache`). */
export class SlabCache {
  /** Slabs with free objects (or remote frees waiting). */
  readonly partial: SlabList = new SlabList("partial");
  /** Slabs with no free object. */
  readonly full: SlabList = new SlabList("full");
  /** The cached empty slab, if any. */
  readonly empty: SlabList = new SlabList("empty");
  /** Remote frees drained into this cache's slabs, ever. */
  drained = 0;
  /** The cache of class `classIndex`. */
  constructor(readonly classIndex: number) {}

  /** Empty again, as a new one (its slabs are another allocator's business now). */
  reset(): void {
    this.partial.clear();
    this.full.clear();
    this.empty.clear();
    this.drained = 0;
  }

  /**
   * An object from this cache (`alloc_object`), or -1 when a new slab is
   * needed (a double, as the addresses: see `unboxed_results.ts`).
   */
  allocObject(): number {
    // One call of the partial-slab path (see `#slabAlloc` in the global
    // allocator: an address crosses no call V8 might not inline).
    for (let refilled = false;; refilled = true) {
      const got = this.#fromPartial();
      if (got >= 0 || refilled || !this.#refill()) return got;
    }
  }

  /**
   * A slab moved to the partial list when none there has an object: the
   * first full slab with remote frees (drained), else the cached empty one.
   * Whether there was one.
   */
  #refill(): boolean {
    for (let s = this.full.first; s !== null; s = s.next) {
      if (s.remoteCount > 0) {
        this.drained += s.drain();
        this.full.remove(s);
        this.partial.pushFront(s);
        return true;
      }
    }
    const e = this.empty.first;
    if (e === null) return false;
    this.empty.remove(e);
    this.partial.pushFront(e);
    return true;
  }

  #fromPartial(): number {
    const s = this.partial.first;
    if (s === null) return NOT_FOUND_RESULT[0];
    if (s.remoteCount > 0) this.drained += s.drain();
    const i = s.localAlloc();
    if (i < 0) return NOT_FOUND_RESULT[0];
    if (s.localFree === 0 && s.remoteCount === 0) {
      this.partial.remove(s);
      this.full.pushFront(s);
    }
    return s.objectAddr(i);
  }

  /** Slot `slot` of `s` freed on its owner CPU (`dealloc_object`): the slab to give back, if any. */
  deallocObject(s: SlabPage, slot: number): SlabPage | null {
    const wasFull = s.state === "full";
    s.localFreeSlot(slot);
    if (wasFull) {
      this.full.remove(s);
      this.partial.pushFront(s);
    }
    if (s.remoteCount > 0) this.drained += s.drain();
    if (s.localFree !== s.objectCount) return null;
    this.partial.remove(s);
    if (this.empty.length === 0) {
      this.empty.pushFront(s);
      return null;
    }
    return s;
  }

  /** A new slab on the partial list (`add_slab`). */
  addSlab(s: SlabPage): void {
    this.partial.pushFront(s);
  }

  /** Every slab of this cache, partial, full then empty, each list from its front. */
  *slabs(): Generator<SlabPage> {
    for (const list of [this.partial, this.full, this.empty]) {
      for (let s = list.first; s !== null; s = s.next) yield s;
    }
  }
}
