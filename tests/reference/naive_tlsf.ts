// A literal transcription of rlsf 0.2.1's `Tlsf<'static, u32, u32, 28, 32>`
// allocate / deallocate / insert_free_block_ptr on a 64-bit target, with
// block objects, plain arrays as free lists and no bitmaps: the search scans
// the lists themselves. Used only to check that the model in
// mm/allocator/tlsf_byte_allocator.ts (struct-of-arrays, bitmaps, branch-free
// list updates) returns the same addresses. A list's head is its array's end.

const G = 5; // log2 of the granularity
const GRAN = 32;
const HEADER = 16;
const FLLEN = 28;
const SLLEN = 32;

interface Block {
  addr: number;
  size: number;
  used: boolean;
  prev: Block | null;
  next: Block | null;
}

const ceilTo = (n: number, m: number) => Math.ceil(n / m) * m;

/** The list a free block of `size` is on (`map_floor`). */
function mapFloor(size: number): number {
  const top = Math.floor(Math.log2(size));
  return (top - G) * SLLEN + (Math.floor(size / 2 ** (top - 5)) & (SLLEN - 1));
}

/** The first list whose blocks all hold `size` (`map_ceil`), or -1. */
function mapCeil(size: number): number {
  const top = Math.floor(Math.log2(size));
  let fl = top - G;
  const sl = Math.ceil(size / 2 ** (top - 5));
  if (sl >= 2 * SLLEN) fl++;
  return fl >= FLLEN ? -1 : fl * SLLEN + (sl & (SLLEN - 1));
}

export class NaiveTlsf {
  lists: Block[][] = Array.from({ length: FLLEN * SLLEN }, () => []);
  live = new Map<number, Block>();
  used = 0;

  /** One pool (at most 8 GiB here), closed by a one-granule sentinel. */
  insertPool(start: number, len: number): void {
    const s = ceilTo(start, GRAN);
    const size = Math.floor((len - (s - start)) / GRAN) * GRAN;
    const sentinel: Block = {
      addr: s + size - GRAN,
      size: GRAN,
      used: true,
      prev: null,
      next: null,
    };
    const block: Block = { addr: s, size: size - GRAN, used: false, prev: null, next: sentinel };
    sentinel.prev = block;
    this.#link(block);
  }

  alloc(size: number, align: number): number | null {
    const search = ceilTo(size + Math.max(align - HEADER, 0) + HEADER, GRAN);
    const first = mapCeil(search);
    if (first < 0) return null;
    let list = first;
    while (list < this.lists.length && this.lists[list].length === 0) list++;
    if (list === this.lists.length) return null;
    const block = this.lists[list].pop()!;
    const ptr = ceilTo(block.addr + HEADER, align);
    const newSize = ceilTo(ptr - block.addr + size, GRAN);
    if (newSize !== block.size) {
      const rest: Block = {
        addr: block.addr + newSize,
        size: block.size - newSize,
        used: false,
        prev: block,
        next: block.next,
      };
      block.next!.prev = rest;
      block.next = rest;
      block.size = newSize;
      this.#link(rest);
    }
    block.used = true;
    this.live.set(ptr, block);
    this.used += size;
    return ptr;
  }

  dealloc(ptr: number, size: number): void {
    let block = this.live.get(ptr)!;
    this.live.delete(ptr);
    const after = block.next!;
    if (!after.used) {
      this.#unlink(after);
      block.size += after.size;
      block.next = after.next;
      after.next!.prev = block;
    }
    const before = block.prev;
    if (before !== null && !before.used) {
      this.#unlink(before);
      before.size += block.size;
      before.next = block.next;
      block.next!.prev = before;
      block = before;
    }
    block.used = false;
    this.#link(block);
    this.used -= size;
  }

  /** Every free block, in address order. */
  freeBlocks(): { addr: number; size: number }[] {
    return this.lists.flat().map((b) => ({ addr: b.addr, size: b.size })).sort((x, y) =>
      x.addr - y.addr
    );
  }

  /** The addresses on list `list`, head first. */
  freeList(list: number): number[] {
    return this.lists[list].map((b) => b.addr).reverse();
  }

  #link(b: Block): void {
    this.lists[mapFloor(b.size)].push(b);
  }

  #unlink(b: Block): void {
    const list = this.lists[mapFloor(b.size)];
    list.splice(list.indexOf(b), 1);
  }
}
