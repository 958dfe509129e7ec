// Unit tests: known behaviour of each model, its reproduced quirks, and the
// errors mmsim reports where the real code would corrupt itself.
import assert from "node:assert/strict";
import { AllocError, isAllocError, NO_MEMORY } from "../mm/allocator/alloc_error.ts";
import { allocatorEntry } from "../mm/registry.ts";
import type { ByteAllocator } from "../mm/allocator/traits.ts";
import { BitAllocator } from "../mm/allocator/bit_allocator.ts";
import { BitmapPageAllocator } from "../mm/allocator/bitmap_page_allocator.ts";
import { BitmapIdAllocator } from "../mm/allocator/bitmap_id_allocator.ts";
import { BuddyByteAllocator } from "../mm/allocator/buddy_byte_allocator.ts";
import { SlabByteAllocator, slabClassFor } from "../mm/allocator/slab_byte_allocator.ts";
import { TlsfByteAllocator } from "../mm/allocator/tlsf_byte_allocator.ts";
import { GlobalAllocator } from "../mm/axalloc/global_allocator.ts";
import { ADDRESS_INT_MAP_MISSING, AddressIntMap, AddressMap } from "../mm/allocator/address_map.ts";

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AllocError) return e.kind;
    throw e;
  }
  return "ok";
}

Deno.test("bit allocator: the crate's own BitAlloc16 / 4K test sequences", () => {
  const ba = new BitAllocator(16);
  ba.insert(0, 16);
  ba.remove(2, 8);
  assert.deepEqual([ba.alloc(), ba.alloc(), ba.alloc()], [0, 1, 8]);
  const b4k = new BitAllocator(4096);
  b4k.insert(0, 4096);
  b4k.remove(3, 6);
  assert.equal(b4k.allocContiguous(1, 1), 0);
  assert.equal(b4k.next(0), 1);
  assert.equal(b4k.allocContiguous(2, 0), 1);
  assert.equal(b4k.allocContiguous(2, 3), 8);
  b4k.remove(0, 4096 - 64);
  assert.equal(b4k.allocContiguous(128, 7), -1);
  assert.equal(b4k.allocContiguous(7, 3), 4096 - 64);
  b4k.insert(321, 323);
  assert.equal(b4k.allocContiguous(2, 1), 4096 - 64 + 8);
  assert.equal(b4k.allocContiguous(2, 0), 321);
  assert.equal(b4k.allocContiguous(64, 6), -1);
  assert.equal(b4k.allocContiguous(32, 4), 4096 - 48);
});

Deno.test("bitmap: the crate's 2 GiB test, alignment ignored for one page, add_memory refused", () => {
  const a = new BitmapPageAllocator({ capacity: "4g" });
  const base = 0x4000_0000 + 4096;
  a.init(base, 0x8000_0000);
  assert.equal(a.totalPages(), 0x8000_0000 / 4096);
  assert.equal(a.allocPages(10, 4096), base);
  assert.equal(a.allocPages(1, 0x20_0000), base + 10 * 4096); // one page: lowest, unaligned
  assert.equal(a.allocPages(2, 0x20_0000), 0x4020_0000);
  assert.equal(kindOf(() => a.addMemory(0, 4096)), "NoMemory");
  assert.equal(kindOf(() => a.allocPages(0, 4096)), "InvalidParam");
  assert.equal(kindOf(() => a.allocPages(2, 4096 * 3)), "InvalidParam");
  assert.equal(kindOf(() => a.allocPages(2, 0x8000_0000)), "InvalidParam");
  assert.equal(kindOf(() => a.allocPages(a.availablePages() + 1, 4096)), "NoMemory");
  assert.equal(a.allocPagesAt(0x5000_0000, 3, 4096), 0x5000_0000);
  assert.equal(kindOf(() => a.allocPagesAt(0x5000_1000, 1, 4096)), "NoMemory");
  assert.equal(kindOf(() => a.allocPagesAt(0x5000_1000, 1, 0x2000)), "InvalidParam");
});

Deno.test("bitmap: capacity counts from the 1 GiB boundary; past it is an error", () => {
  const a = new BitmapPageAllocator(); // 256m: 64 Ki pages
  assert.throws(() => a.init(0x8000_0000 + 0x800_0000, 0x900_0000), /capacity/);
  const ok = new BitmapPageAllocator();
  ok.init(0x8000_0000, 0x1000_0000);
  assert.equal(ok.totalPages(), 65536);
});

Deno.test("bitmap: double free and foreign frees are reported and change nothing", () => {
  const a = new BitmapPageAllocator();
  a.init(0x8040_0000, 0x10_0000);
  const p = a.allocPages(4, 4096);
  a.deallocPages(p, 4);
  assert.throws(() => a.deallocPages(p, 4), (e) => {
    assert.ok(isAllocError(e, "NotAllocated"));
    assert.equal(e.address, p);
    assert.match(e.message, /page 0x80400000 .* is not allocated/);
    return true;
  });
  assert.equal(a.usedPages(), 0);
  assert.equal(kindOf(() => a.deallocPages(0x9000_0000, 1)), "NotAllocated");
  assert.equal(kindOf(() => a.deallocPages(0x8040_0010, 1)), "InvalidParam");
});

Deno.test("buddy: splits push the high half, frees merge buddies back", () => {
  const a = new BuddyByteAllocator();
  a.init(0x8000_0000, 0x1000);
  assert.equal(a.alloc(8, 8), 0x8000_0000);
  assert.equal(a.alloc(8, 8), 0x8000_0008);
  assert.equal(a.alloc(100, 8), 0x8000_0080);
  assert.equal(a.usedBytes(), 8 + 8 + 128);
  assert.deepEqual(a.heap.freeList(4), [0x8000_0010]);
  a.dealloc(0x8000_0008, 8, 8);
  a.dealloc(0x8000_0000, 8, 8);
  a.dealloc(0x8000_0080, 100, 8);
  assert.deepEqual(a.heap.freeList(12), [0x8000_0000]);
  assert.equal(kindOf(() => a.alloc(0x2000, 8)), "NoMemory");
});

Deno.test("buddy: double free, foreign pointer, wrong layout and overlap are reported", () => {
  const a = new BuddyByteAllocator();
  a.init(0x8000_0000, 0x1000);
  const p = a.alloc(64, 8);
  assert.equal(kindOf(() => a.dealloc(p, 200, 8)), "InvalidParam");
  a.dealloc(p, 64, 8);
  assert.throws(() => a.dealloc(p, 64, 8), /0x80000000 is not an allocated block .*double free/);
  assert.equal(kindOf(() => a.dealloc(0x8000_0040, 64, 8)), "NotAllocated");
  assert.equal(kindOf(() => a.addMemory(0x8000_0800, 0x1000)), "MemoryOverlap");
  a.addMemory(0x8000_1000, 0x1000);
  assert.equal(a.totalBytes(), 0x2000);
});

Deno.test("slab: classes, the highest block of a new set first, double count in stats", () => {
  assert.deepEqual([slabClassFor(1, 1), slabClassFor(64, 64), slabClassFor(65, 8)], [0, 0, 1]);
  assert.equal(slabClassFor(8, 128), 1);
  assert.equal(slabClassFor(100, 8192), 6); // the real code ignores alignments past 4096
  assert.equal(slabClassFor(4097, 8), 7);
  const a = new SlabByteAllocator();
  a.init(0x8000_0000, 0x8000);
  const p = a.alloc(40, 8);
  assert.equal(p, 0x8000_0000 + 63 * 64);
  assert.equal(a.alloc(40, 8), 0x8000_0000 + 62 * 64);
  assert.equal(a.totalBytes(), 0x8000 + 64 * 64);
  assert.equal(a.usedBytes(), 2 * 64 + 4096);
  a.dealloc(p, 40, 8);
  assert.equal(a.alloc(40, 8), p, "a freed block is reused first (LIFO)");
  assert.equal(kindOf(() => a.dealloc(0x8000_0000 + 5 * 64, 40, 8)), "NotAllocated");
  assert.equal(kindOf(() => a.dealloc(p, 100, 8)), "InvalidParam");
  assert.equal(kindOf(() => new SlabByteAllocator().init(0x8000_0100, 0x8000)), "InvalidParam");
  // A stale large pointer whose memory now holds a slab's set is not freed.
  const b = new SlabByteAllocator();
  b.init(0x8000_0000, 0x1_0000);
  const big = b.alloc(20000, 8); // a 32 KiB buddy block
  b.dealloc(big, 20000, 8);
  const small = b.alloc(500, 8); // the 512-byte slab's 32 KiB set reuses that memory
  assert.equal(small, big + 63 * 512);
  assert.throws(() => b.dealloc(big, 20000, 8), /not an allocated large block/);
  assert.throws(() => b.dealloc(big, 500, 8), /not an allocated slab block/);
  // So is its stale handle: the set's buddy block has the large block's node.
  const c = new SlabByteAllocator();
  c.init(0x8000_0000, 0x1_0000);
  const big2 = c.tryAlloc(20000, 8);
  const bigHandle = c.lastHandle;
  c.deallocHandle(big2, 20000, 8, bigHandle);
  assert.equal(c.alloc(500, 8), big2 + 63 * 512);
  const used = c.usedBytes();
  assert.throws(() => c.deallocHandle(big2, 20000, 8, bigHandle), /not an allocated large block/);
  assert.equal(c.usedBytes(), used);
  assert.equal(c.alloc(500, 8), big2 + 62 * 512, "the set is still the slab's");
  // A live large block freed with a slab's layout is refused and stays live.
  const large = b.alloc(9000, 8);
  assert.throws(
    () => b.dealloc(large, 100, 8),
    (e) =>
      isAllocError(e) && e.kind === "InvalidParam" && /came from the buddy heap/.test(e.message),
  );
  b.dealloc(large, 9000, 8);
  assert.throws(() => b.dealloc(large, 9000, 8), /not an allocated large block/);
  assert.equal(kindOf(() => new SlabByteAllocator().init(0x8000_0000, 0x9000)), "InvalidParam");
});

Deno.test("tlsf: a class whose other lists emptied is still found through the first-level bitmap", () => {
  const a = new TlsfByteAllocator();
  const base = 0x8000_0000;
  a.init(base, 0x1_0000);
  // 64-byte and 96-byte blocks (first-level class 1, second-level 0 and
  // 16), kept apart by used blocks.
  const small = a.alloc(48, 8);
  a.alloc(48, 8);
  const mid = a.alloc(80, 8);
  a.alloc(48, 8);
  a.dealloc(small, 48, 8);
  a.dealloc(mid, 80, 8);
  // Taking the 96-byte hole empties its list; class 1 still has the 64-byte one.
  assert.equal(a.alloc(80, 8), mid);
  // A 32-byte block: class 0 is empty, so the search goes through the
  // first-level bitmap and must find class 1's hole, not the pool's rest.
  assert.equal(a.alloc(1, 1), base + 16);
});

Deno.test("tlsf: header before the payload, good fit, merging and sentinel", () => {
  const a = new TlsfByteAllocator();
  a.init(0x8000_0000, 0x1000);
  assert.deepEqual(a.freeBlocks(), [{ addr: 0x8000_0000, size: 0x1000 - 32 }]);
  const p = a.alloc(100, 8);
  assert.equal(p, 0x8000_0010);
  const q = a.alloc(64, 64);
  assert.equal(q % 64, 0);
  assert.equal(a.usedBytes(), 164);
  a.dealloc(p, 100, 8);
  a.dealloc(q, 64, 64);
  assert.deepEqual(a.freeBlocks(), [{ addr: 0x8000_0000, size: 0x1000 - 32 }]);
  assert.equal(kindOf(() => a.alloc(0x1000, 8)), "NoMemory");
  assert.equal(kindOf(() => a.dealloc(p, 100, 8)), "NotAllocated");
  assert.equal(kindOf(() => a.addMemory(0x9000_0000, 40)), "InvalidParam");
  assert.equal(kindOf(() => a.addMemory(0x8000_0800, 0x1000)), "MemoryOverlap");
});

Deno.test("tlsf: a region past 8 GiB is split into pools; a 32-bit target's pool fits 4 GiB", () => {
  // 64-bit: one free block spans at most GRANULARITY << FLLEN = 8 GiB, so a
  // 9 GiB region is two pools (each closed by a one-granule sentinel).
  const a = new TlsfByteAllocator();
  a.init(0x1_0000_0000, 9 * 2 ** 30);
  assert.deepEqual(a.freeBlocks(), [
    { addr: 0x1_0000_0000, size: 8 * 2 ** 30 - 32 },
    { addr: 0x1_0000_0000 + 8 * 2 ** 30, size: 2 ** 30 - 32 },
  ]);
  assert.equal(a.largestFreeBlock(), 8 * 2 ** 30 - 32);
  // Good fit rounds a request up to its list's floor: the 8 GiB block
  // cannot serve one of nearly 8 GiB, but does serve 4 GiB twice over.
  assert.equal(kindOf(() => a.alloc(8 * 2 ** 30 - 48, 8)), "NoMemory");
  const big = a.alloc(4 * 2 ** 30, 8);
  assert.equal(big, 0x1_0000_0010);
  // The rest of the first pool serves the next ones (the second pool's
  // 1 GiB block is on a list below the request's).
  assert.equal(a.alloc(2 ** 30 - 64, 8), 0x2_0000_0030);
  assert.equal(a.alloc(2 ** 30 - 64, 8), 0x2_4000_0010);
  a.dealloc(big, 4 * 2 ** 30, 8);
  // 32-bit: no pool limit below the address space, and no pool past it.
  const w = new TlsfByteAllocator({ pointerWidth: 4 });
  w.init(0x1000, 2 ** 32 - 0x2000);
  assert.deepEqual(w.freeBlocks(), [{ addr: 0x1000, size: 2 ** 32 - 0x2000 - 16 }]);
  assert.equal(w.alloc(100, 4), 0x1008);
  const x = new TlsfByteAllocator({ pointerWidth: 4 });
  assert.equal(kindOf(() => x.init(0, 2 ** 32)), "InvalidParam");
});

Deno.test("global allocator: init takes the lowest 32 KiB, the heap doubles on each miss", () => {
  const grown: number[] = [];
  const g = new GlobalAllocator({ onExpand: (_s, size) => grown.push(size) });
  assert.equal(g.name(), "TLSF");
  assert.equal(kindOf(() => g.alloc(8, 8)), "InvalidParam"); // before init
  assert.equal(kindOf(() => g.init(0x8040_0000, 0x8000)), "InvalidParam"); // size must exceed 32 KiB
  g.init(0x8040_0000, 0x40_0000);
  assert.equal(g.heapStart, 0x8040_0000);
  assert.equal(g.usedPages(), 8);
  g.alloc(0x7000, 8);
  g.alloc(0x7000, 8); // miss: grows by next_power_of_two(32 KiB) = 32 KiB
  g.alloc(0x10000, 8); // miss: grows by 64 KiB, then 128 KiB ...
  assert.deepEqual(grown.slice(0, 2), [0x8000, 0x10000]);
  assert.equal(kindOf(() => g.alloc(0x100_0000, 8)), "NoMemory");
  assert.equal(new GlobalAllocator({ byteAllocator: "slab" }).name(), "slab");
  assert.equal(new GlobalAllocator({ byteAllocator: "buddy" }).name(), "buddy");
});

Deno.test("id allocator: fixed IDs, alignment, and misuse", () => {
  const ids = new BitmapIdAllocator();
  ids.init(0, 64);
  ids.allocFixedId(0);
  assert.equal(kindOf(() => ids.allocFixedId(0)), "NoMemory");
  assert.equal(ids.allocId(1, 1), 1);
  assert.equal(ids.allocId(4, 8), 8);
  assert.equal(ids.used(), 6);
  assert.equal(kindOf(() => ids.deallocId(2, 1)), "NotAllocated");
  assert.equal(kindOf(() => ids.allocId(0, 1)), "InvalidParam");
  assert.equal(kindOf(() => ids.allocId(1, 3)), "InvalidParam");
  assert.equal(kindOf(() => ids.allocId(65, 1)), "NoMemory");
  assert.equal(kindOf(() => ids.allocFixedId(64)), "NoMemory");
  assert.equal(kindOf(() => ids.addMemory(64, 64)), "NoMemory");
});

Deno.test("address map: set, overwrite, delete with probe runs, growth", () => {
  const m = new AddressMap<number>(4);
  const keys = Array.from({ length: 500 }, (_, i) => 0xffff_ff00_0000 + i * 4096 * 64);
  keys.forEach((k, i) => m.set(k, i));
  assert.equal(m.size, 500);
  keys.forEach((k, i) => assert.equal(m.get(k), i));
  for (let i = 0; i < 500; i += 2) assert.ok(m.delete(keys[i]));
  assert.equal(m.delete(keys[0]), false);
  for (let i = 0; i < 500; i++) assert.equal(m.get(keys[i]), i % 2 ? i : undefined);
  m.set(keys[1], -1);
  assert.equal(m.get(keys[1]), -1);
  let count = 0;
  m.forEach(() => count++);
  assert.equal(count, 250);
  m.clear();
  assert.equal(m.size, 0);
});

Deno.test("address int map: the same behaviour with 32-bit values", () => {
  const m = new AddressIntMap(4);
  const keys = Array.from({ length: 500 }, (_, i) => 0x8000_0000 + i * 64);
  keys.forEach((k, i) => m.set(k, -i));
  for (let i = 0; i < 500; i += 3) assert.ok(m.delete(keys[i]));
  for (let i = 0; i < 500; i++) {
    assert.equal(m.get(keys[i]), i % 3 === 0 ? ADDRESS_INT_MAP_MISSING : -i);
  }
  assert.equal(m.delete(keys[0]), false);
  let count = 0;
  m.forEach(() => count++);
  assert.equal(count, m.size);
});

Deno.test("address int map: keys that hash alike (32 GiB apart, up to 2^53) stay distinct", () => {
  const m = new AddressIntMap(4);
  const strides = [0, 2 ** 35, 2 ** 36, 2 ** 45, 2 ** 52];
  const keys = strides.flatMap((s) =>
    Array.from({ length: 40 }, (_, i) => s + 0x8000_0000 + i * 8)
  );
  keys.forEach((k, i) => m.set(k, i));
  assert.equal(m.size, keys.length);
  // Delete every other key: backward-shift deletion must keep the rest reachable.
  for (let i = 0; i < keys.length; i += 2) assert.equal(m.take(keys[i]), i);
  keys.forEach((k, i) => assert.equal(m.get(k), i % 2 ? i : ADDRESS_INT_MAP_MISSING));
  assert.equal(m.getOrInsert(keys[0], 7), ADDRESS_INT_MAP_MISSING);
  assert.equal(m.getOrInsert(keys[0], 8), 7);
});

Deno.test("tryAlloc gives alloc's addresses, and NO_MEMORY where alloc throws NoMemory", () => {
  for (const name of ["tlsf", "buddy", "slab"]) {
    const loud = allocatorEntry(name)!.create() as ByteAllocator;
    const quiet = allocatorEntry(name)!.create() as ByteAllocator;
    loud.init(0x8000_0000, 0x4_0000);
    quiet.init(0x8000_0000, 0x4_0000);
    let failures = 0;
    for (let i = 0; i < 400; i++) {
      const size = 1 + ((i * 7919) % 9000);
      const align = 1 << (i % 7);
      let want: number;
      try {
        want = loud.alloc(size, align);
      } catch (e) {
        if ((e as { kind?: string }).kind !== "NoMemory") throw e;
        want = NO_MEMORY;
        failures++;
      }
      assert.equal(quiet.tryAlloc!(size, align), want, `${name}: alloc(${size}, ${align})`);
    }
    assert.ok(failures > 0, `${name} never ran out`);
    assert.equal(quiet.usedBytes(), loud.usedBytes());
  }
});

Deno.test("tryAllocPages and tryAllocPagesAt give the bitmap's pages, and NO_MEMORY where it throws NoMemory", () => {
  const loud = new BitmapPageAllocator();
  const quiet = new BitmapPageAllocator();
  loud.init(0x8040_0000, 0x10_0000); // 256 pages
  quiet.init(0x8040_0000, 0x10_0000);
  const live: [number, number][] = [];
  let failures = 0;
  for (let i = 0; i < 600; i++) {
    if (live.length > 0 && i % 3 === 2) {
      const [p, n] = live.splice((i * 31) % live.length, 1)[0];
      loud.deallocPages(p, n);
      quiet.deallocPages(p, n);
      continue;
    }
    const n = [1, 3, 16, 40][i % 4];
    const align = 0x1000 << (i % 5);
    let want: number;
    let message = "";
    try {
      want = loud.allocPages(n, align);
    } catch (e) {
      assert.ok(isAllocError(e) && e.kind === "NoMemory", String(e));
      want = NO_MEMORY;
      message = e.message;
      failures++;
    }
    const got = quiet.tryAllocPages(n, align);
    assert.equal(got, want, `allocPages(${n}, ${align})`);
    if (got === NO_MEMORY) assert.equal(quiet.noMemory(n, align).message, message);
    else live.push([got, n]);
  }
  assert.ok(failures > 10, `only ${failures} failures`);
  assert.equal(quiet.usedPages(), loud.usedPages());
  // An invalid request still throws; a taken range is NO_MEMORY, a free one is allocated.
  assert.throws(() => quiet.tryAllocPages(0, 0x1000), /zero pages/);
  assert.throws(() => quiet.tryAllocPages(1, 0x1800), /InvalidParam|alignment/);
  const taken = quiet.tryAllocPages(1, 0x1000);
  assert.ok(taken > 0);
  assert.equal(quiet.tryAllocPagesAt(taken, 1, 0x1000), NO_MEMORY);
  assert.throws(() => quiet.allocPagesAt(taken, 1, 0x1000), /is not all free/);
  quiet.deallocPages(taken, 1);
  assert.equal(quiet.tryAllocPagesAt(taken, 1, 0x1000), taken);
});

Deno.test("GlobalAllocator tryAlloc and tryAllocPages follow alloc and allocPages, with NO_MEMORY for NoMemory", () => {
  for (const kind of ["tlsf", "slab", "buddy"] as const) {
    const loud = new GlobalAllocator({ byteAllocator: kind });
    const quiet = new GlobalAllocator({ byteAllocator: kind });
    loud.init(0x8040_0000, 0x40_0000); // 4 MiB: the heap's growth runs out of pages
    quiet.init(0x8040_0000, 0x40_0000);
    let failures = 0;
    const live: [number, number, number, boolean][] = [];
    for (let i = 0; i < 3000; i++) {
      if (live.length > 0 && i % 5 < 2) {
        const [p, a, b, pages] = live.splice((i * 17) % live.length, 1)[0];
        if (pages) (loud.deallocPages(p, a), quiet.deallocPages(p, a));
        else (loud.dealloc(p, a, b), quiet.dealloc(p, a, b));
        continue;
      }
      const pages = i % 4 === 0;
      const a = pages ? [1, 4, 32][i % 3] : [16, 300, 4000, 70000, 300000][i % 5];
      const b = pages ? 0x1000 : 8 << (i % 4);
      let want: number;
      try {
        want = pages ? loud.allocPages(a, b) : loud.alloc(a, b);
      } catch (e) {
        assert.ok(isAllocError(e) && e.kind === "NoMemory", String(e));
        want = NO_MEMORY;
        failures++;
      }
      const got = pages ? quiet.tryAllocPages(a, b) : quiet.tryAlloc(a, b);
      assert.equal(got, want, `${kind}: ${pages ? "allocPages" : "alloc"}(${a}, ${b})`);
      if (got !== NO_MEMORY) live.push([got, a, b, pages]);
    }
    assert.ok(failures > 10, `${kind}: only ${failures} failures`);
    assert.deepEqual(quiet.heapRegions, loud.heapRegions);
    assert.equal(quiet.usedPages(), loud.usedPages());
    assert.equal(quiet.usedBytes(), loud.usedBytes());
  }
  // Before init, and for an invalid layout, the quiet forms still throw.
  assert.throws(() => new GlobalAllocator().tryAlloc(8, 8), /init/);
  const g = new GlobalAllocator();
  g.init(0x8040_0000, 0x40_0000);
  assert.throws(() => g.tryAlloc(8, 3), /InvalidParam|power of two/);
});

Deno.test("deallocHandle frees what dealloc frees, and a wrong handle is checked by address", () => {
  const names = ["tlsf", "buddy", "slab"].filter((n) =>
    (allocatorEntry(n)!.create() as ByteAllocator).deallocHandle !== undefined
  );
  assert.ok(names.includes("tlsf"));
  for (const name of names) {
    const plain = allocatorEntry(name)!.create() as ByteAllocator;
    const handled = allocatorEntry(name)!.create() as ByteAllocator;
    plain.init(0x8000_0000, 0x10_0000);
    handled.init(0x8000_0000, 0x10_0000);
    const live: { p: number; size: number; align: number; handle: number }[] = [];
    const freed: { p: number; size: number; align: number; handle: number }[] = [];
    const outcome = (f: () => void) => {
      try {
        f();
        return "ok";
      } catch (e) {
        assert.ok(isAllocError(e), String(e));
        return e.message;
      }
    };
    for (let i = 0; i < 4000; i++) {
      const r = (i * 2654435761) >>> 0;
      if (live.length > 0 && r % 100 < 45) {
        const [b] = live.splice(r % live.length, 1);
        const way = (r >>> 8) % 8;
        // 0-3: its own handle; 4: another live block's; 5: a freed block's;
        // 6: none at all (-1); 7: a free by address (the index is made then).
        const other = live.length > 0 ? live[(r >>> 12) % live.length].handle : 0;
        const stale = freed.length > 0 ? freed[(r >>> 12) % freed.length].handle : 1e9;
        const handle = way < 4 ? b.handle : way === 4 ? other : way === 5 ? stale : -1;
        const want = outcome(() => plain.dealloc(b.p, b.size, b.align));
        const got = outcome(() =>
          way === 7
            ? handled.dealloc(b.p, b.size, b.align)
            : handled.deallocHandle!(b.p, b.size, b.align, handle)
        );
        assert.equal(got, want, `${name}: free #${i}`);
        freed.push(b);
      } else if (freed.length > 0 && r % 100 < 50) {
        // A double free (or a foreign pointer once the block is reused), by handle.
        const b = freed[r % freed.length];
        const want = outcome(() => plain.dealloc(b.p, b.size, b.align));
        const got = outcome(() => handled.deallocHandle!(b.p, b.size, b.align, b.handle));
        assert.equal(got, want, `${name}: double free #${i}`);
      } else {
        // (Past 4096 bytes the slab allocator serves from its buddy heap.)
        const size = r % 16 === 0 ? 4097 + (r % 30000) : 1 + (r % 3000);
        const align = 1 << ((r >>> 4) % 8);
        const p = plain.tryAlloc!(size, align);
        assert.equal(handled.tryAlloc!(size, align), p, `${name}: alloc #${i}`);
        if (p !== NO_MEMORY) live.push({ p, size, align, handle: handled.lastHandle! });
      }
      assert.equal(handled.usedBytes(), plain.usedBytes());
    }
    // Another layout through the handle answers as by address (TLSF refuses
    // it and changes nothing; a slab of the same class frees the block).
    for (const b of live.slice(0, 20)) {
      for (
        const [size, align] of [[b.size + 1, b.align], [b.size, b.align * 2], [b.size, b.align]]
      ) {
        const want = outcome(() => plain.dealloc(b.p, size, align));
        const got = outcome(() => handled.deallocHandle!(b.p, size, align, b.handle));
        assert.equal(got, want, `${name}: free of ${b.p} as (${size}, ${align})`);
      }
    }
    assert.equal(handled.usedBytes(), plain.usedBytes());
  }
});
