// ax-alloc 0.8.13's usage accounting (`usages()`) in both 2026 global
// allocators, as `tlsf_impl.rs` and `buddy_slab.rs` count it.
import assert from "node:assert/strict";
import { TlsfGlobalAllocator } from "../mm/axalloc/tlsf_global_allocator.ts";
import { BuddySlabGlobalAllocator } from "../mm/axalloc/buddy_slab_global_allocator.ts";
import { USAGE_KINDS, Usages } from "../mm/axalloc/usages.ts";
import { AllocError } from "../mm/allocator/alloc_error.ts";

Deno.test("usages: TLSF counts bytes as RustHeap and pages under their kind, not RustHeap pages", () => {
  const g = new TlsfGlobalAllocator();
  g.init(0x8040_0000, 0x40_0000);
  const a = g.alloc(100, 8);
  const p = g.allocPages(2, 4096, "PageTable");
  const r = g.allocPages(1, 4096, "RustHeap"); // tlsf_impl.rs: not counted
  const u = g.usages();
  assert.equal(u.get("RustHeap"), 100);
  assert.equal(u.get("PageTable"), 8192);
  assert.equal(g.usedBytes(), 100 + 3 * 4096, "used_bytes counts every page block");
  // A failed request counts nothing.
  assert.throws(() => g.alloc(0x100_0000, 8), AllocError);
  assert.throws(() => g.allocPages(0x1000, 4096, "Dma"), AllocError);
  assert.equal(g.usages().toString(), u.toString());
  // usages() is a copy: changing it changes nothing inside.
  u.alloc("Global", 1);
  assert.equal(g.usages().get("Global"), 0);
  g.dealloc(a, 100, 8);
  g.deallocPages(p, 2, "PageTable");
  // dealloc_pages takes a RustHeap block off RustHeap, which never counted it:
  // the usize wraps in the real (release) kernel.
  g.deallocPages(r, 1, "RustHeap");
  assert.equal(g.usages().get("RustHeap"), -4096);
  assert.match(g.usages().toString(), /^RustHeap: 18446744073709547520, VirtMem: 0,/);
  assert.equal(g.usedBytes(), 0);
});

Deno.test("usages: a replay's bytes, driven through the TLSF itself, count as RustHeap too", () => {
  const g = new TlsfGlobalAllocator();
  g.init(0x8040_0000, 0x40_0000);
  const a = g.bytes.alloc(64, 8);
  g.bytes.alloc(32, 16);
  g.allocPages(1, 4096);
  assert.equal(g.usages().get("RustHeap"), 96);
  g.bytes.dealloc(a, 64, 8);
  assert.equal(g.usages().get("RustHeap"), 32);
  assert.equal(g.usages().get("Global"), 4096);
});

Deno.test("usages: buddy-slab counts bytes, pages and DMA32 pages by kind", () => {
  const g = new BuddySlabGlobalAllocator();
  g.init(0x8040_0000, 0x80_0000);
  const a = g.alloc(3000, 8); // a page block, still RustHeap
  const b = g.alloc(24, 8);
  const p = g.allocPages(1, 4096, "VirtMem");
  assert.deepEqual(
    USAGE_KINDS.map((k) => g.usages().get(k)),
    [3024, 4096, 0, 0, 0, 0],
  );
  g.dealloc(a, 3000, 8);
  g.dealloc(b, 24, 8);
  g.deallocPages(p, 1, "VirtMem");
  assert.deepEqual(g.usages().all(), {
    RustHeap: 0,
    VirtMem: 0,
    PageCache: 0,
    PageTable: 0,
    Dma: 0,
    Global: 0,
  });
  assert.ok(new Usages().toString().startsWith("RustHeap: 0, VirtMem: 0"));
});
