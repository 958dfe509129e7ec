// The DragonOS-style kernel memory API: kmalloc family, zoned pages, page
// tables in simulated RAM, mm_stat and the /proc-style reports.
import assert from "node:assert/strict";
import fc from "fast-check";
import { DragonMemory } from "../mm/dragonos/dragon_memory.ts";
import { ECANNOT_FREE_MEM, KfreeError, KMALLOC_SIZES } from "../mm/dragonos/kmalloc.ts";
import { EFAULT, TranslationFault } from "../mm/dragonos/page_table.ts";
import {
  MAP_EXECUTE,
  MAP_READ,
  MAP_UNCACHED,
  MAP_USER,
  MAP_WRITE,
} from "../mm/dragonos/pte_format.ts";
import { buddyinfo, meminfo, slabinfo } from "../mm/dragonos/reports.ts";
import {
  PAGE_KERNEL,
  PAGE_PGT_MAPPED,
  PAGE_SHARED,
  ZONE_DMA,
  ZONE_NORMAL,
  ZONE_UNMAPPED_IN_PGT,
} from "../mm/dragonos/zoned_pages.ts";

Deno.test("kmalloc: power-of-two classes, objects aligned to their size, limits logged", () => {
  const log: string[] = [];
  const mm = new DragonMemory({ log: (l) => log.push(l) });
  assert.equal(KMALLOC_SIZES.length, 16);
  assert.deepEqual([KMALLOC_SIZES[0], KMALLOC_SIZES[15]], [32, 1 << 20]);
  const p = mm.kmalloc(80)!;
  assert.equal(p % 128n, 0n);
  assert.equal(mm.slab.objectAt(p)!.cache.size, 128);
  // kmalloc(0): the C original's search for the first cache of at least 0
  // bytes gives a 32-byte object, not NULL.
  const zero = mm.kmalloc(0)!;
  assert.equal(mm.slab.objectAt(zero)!.cache.size, 32);
  mm.kfree(zero);
  assert.equal(mm.kmalloc((1 << 20) + 1), null);
  assert.match(log.join("\n"), /1048577 bytes, because it is too large/);
  const m = mm.kmalloc(1 << 20)!;
  assert.equal(m % BigInt(1 << 20), 0n);
});

Deno.test("kzalloc zeroes the object in simulated RAM", () => {
  const mm = new DragonMemory();
  const p = mm.kmalloc(64)!;
  const pa = mm.translatePhys(p);
  mm.ram.fill(pa, 64n, 0xee);
  mm.kfree(p);
  const q = mm.kzalloc(64)!;
  assert.equal(q, p, "the freed object is the first free bit again");
  assert.equal(mm.ram.read64(pa), 0n);
  assert.equal(mm.ram.read8(pa + 63n), 0);
});

Deno.test("kfree: NULL is a no-op; foreign, interior and double frees are reported and change nothing", () => {
  const mm = new DragonMemory();
  mm.kfree(null);
  mm.kfree(0n);
  const p = mm.kmalloc(200)!;
  const before = JSON.stringify(mm.mmStat());
  assert.throws(() => mm.kfree(0xffff_ffc0_1234_5678n), (e) => {
    assert.ok(e instanceof KfreeError);
    assert.equal(e.errno, ECANNOT_FREE_MEM);
    assert.equal(e.code, "ECANNOT_FREE_MEM");
    assert.equal(e.problem, "not-owned");
    return true;
  });
  assert.throws(() => mm.kfree(p + 8n), /not the start of a 256-byte object/);
  mm.kfree(p);
  const after = JSON.stringify(mm.mmStat());
  assert.throws(
    () => mm.kfree(p),
    (e) => e instanceof KfreeError && e.problem === "double-free" && e.cacheSize === 256,
  );
  assert.equal(JSON.stringify(mm.mmStat()), after);
  assert.notEqual(before, after);
});

Deno.test("kmalloc: a full cache grows by a slab; an emptied slab goes back under the original's rule", () => {
  const mm = new DragonMemory();
  const mb = mm.slab.cache(1 << 20);
  assert.equal(mb.countTotalFree, 2); // the first slab: one 2 MiB page, 2 objects
  const pagesBefore = mm.pages.zone(ZONE_NORMAL).countPagesUsing;
  const used128 = mm.slab.cache(128).countTotalUsing;
  const objs = [mm.kmalloc(1 << 20)!, mm.kmalloc(1 << 20)!, mm.kmalloc(1 << 20)!];
  assert.equal(mb.slabs.length, 2);
  assert.equal(mm.pages.zone(ZONE_NORMAL).countPagesUsing, pagesBefore + 1);
  // Over 512 B the slab's header and bitmap are kmalloc'ed too (72 B -> 128 B, 8 B -> 32 B).
  assert.equal(mm.slab.cache(128).countTotalUsing, used128 + 1);
  assert.equal(mb.slabs[1].meta?.bmpLen, 8);
  for (const o of objs) mm.kfree(o);
  // The second slab is empty and the cache holds >= 2x its objects free: given back.
  assert.equal(mb.slabs.length, 1);
  assert.equal(mm.pages.zone(ZONE_NORMAL).countPagesUsing, pagesBefore);
  assert.equal(mm.slab.cache(128).countTotalUsing, used128);
  // Up to 512 B the header lives at the end of the slab's own page.
  const c32 = mm.slab.cache(32);
  const first = c32.countTotalFree;
  const many = Array.from({ length: first + 1 }, () => mm.kmalloc(32)!);
  assert.equal(c32.slabs.length, 2);
  assert.equal(c32.slabs[1].bmpCount, Math.floor((0x20_0000 - (72 + 0x20_0000 / 32 / 8)) / 32));
  for (const o of many) mm.kfree(o);
});

Deno.test("zoned pages: first fit per zone, flags, num range, bad zone, double free", () => {
  const log: string[] = [];
  const mm = new DragonMemory({ platform: "x86_64-qemu-q35", log: (l) => log.push(l) });
  const dma = mm.pages.zone(ZONE_DMA);
  assert.ok(dma.pages.every((p) => p.addrPhys < 0x100_0000n));
  const p = mm.allocPages(ZONE_DMA, 2, PAGE_KERNEL)!;
  assert.equal(p.addrPhys, dma.pages[0].addrPhys);
  assert.equal(p.attr, PAGE_KERNEL | PAGE_PGT_MAPPED);
  assert.equal(mm.allocPages(ZONE_NORMAL, 1, PAGE_SHARED)!.attr, PAGE_SHARED | PAGE_PGT_MAPPED);
  assert.equal(mm.allocPages(ZONE_UNMAPPED_IN_PGT, 1, PAGE_KERNEL), null);
  assert.equal(mm.allocPages(1 << 5, 1, 0), null);
  assert.equal(mm.allocPages(ZONE_NORMAL, 0, 0), null);
  assert.equal(mm.allocPages(ZONE_NORMAL, 64, 0), null);
  assert.equal(mm.allocPages(ZONE_DMA, 63, 0), null);
  assert.match(log.join("\n"), /zone_select 32 is not a zone/);
  assert.match(log.join("\n"), /num 64 is out of range/);
  assert.match(log.join("\n"), /no 63 free contiguous pages in zone DMA/);
  mm.freePages(p, 2);
  assert.equal(p.attr, 0);
  assert.throws(() => mm.freePages(p, 1), /is free \(double free\?\)/);
  assert.throws(() => mm.freePages(p, 64), /out of range/);
});

Deno.test("reports: buddyinfo, slabinfo and meminfo in Linux's formats", () => {
  const mm = new DragonMemory();
  const b = buddyinfo(mm);
  assert.match(b, /^Node 0, zone {6}DMA /m);
  assert.match(b, /^Node 0, zone {3}Normal /m);
  const normalRow = b.split("\n").find((l) => l.includes("Normal"))!;
  assert.equal(normalRow.trim().split(/\s+/).length, 4 + 11);
  const s = slabinfo(mm).split("\n");
  assert.equal(s[0], "slabinfo - version: 2.1");
  assert.match(
    s[1],
    /^# name +<active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables/,
  );
  assert.match(
    s[2],
    /^kmalloc-32 +\d+ +65536 +32 +65536 +512 : tunables +0 +0 +0 : slabdata +\d+ +1 +0$/,
  );
  assert.match(s[17], /^kmalloc-1024k/);
  const m = meminfo(mm);
  assert.match(m, /^MemTotal: +\d+ kB$/m);
  assert.match(m, /^PageTables: +0 kB$/m);
  mm.kernelTable.map(0x1000n, 0x8600_0000n, 0x1000, MAP_READ, true); // Sv39: 3 table frames
  assert.match(meminfo(mm), /^PageTables: +12 kB$/m);
});

Deno.test("mm_stat adds up after any sequence of kmalloc and kfree", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.integer({ min: 1, max: 300_000 }), fc.constant(-1)), { maxLength: 60 }),
      (ops) => {
        const mm = new DragonMemory();
        const live: { p: bigint; size: number }[] = [];
        for (const op of ops) {
          if (op < 0) {
            const l = live.pop();
            if (l) mm.kfree(l.p);
            continue;
          }
          const p = mm.kmalloc(op);
          if (p === null) continue;
          const cls = KMALLOC_SIZES.find((c) => c >= op)!;
          assert.equal(p % BigInt(cls), 0n, "aligned to its class");
          for (const l of live) {
            const lc = KMALLOC_SIZES.find((c) => c >= l.size)!;
            assert.ok(p + BigInt(cls) <= l.p || l.p + BigInt(lc) <= p, "objects overlap");
          }
          live.push({ p, size: op });
        }
        const st = mm.mmStat();
        assert.equal(st.total, st.used + st.free);
        assert.equal(st.available, st.free + st.cacheFree);
        assert.equal(st.shared, 0);
        let used = 0;
        for (const c of mm.slab.caches) {
          assert.equal(c.countTotalUsing, c.slabs.reduce((s, x) => s + x.countUsing, 0));
          assert.equal(c.countTotalFree, c.slabs.reduce((s, x) => s + x.countFree, 0));
          used += c.size * c.countTotalUsing;
        }
        assert.equal(st.cacheUsed, used);
        for (const l of live) mm.kfree(l.p);
      },
    ),
    { numRuns: 200 },
  );
});

for (const platform of ["riscv64-qemu-virt", "x86_64-qemu-q35", "aarch64-qemu-virt"]) {
  Deno.test(`page tables (${platform}): map, translate through RAM, unmap frees tables`, () => {
    const log: string[] = [];
    const mm = new DragonMemory({ platform, log: (l) => log.push(l) });
    const ramBase = mm.platform.ram[0].base;
    const va = platform === "riscv64-qemu-virt" ? 0xffff_ffc0_4000_0000n : 0xffff_8000_4000_0000n;
    const pa = ramBase + 0x600_0000n;
    const frames4k = () => mm.slab.cache(4096).countTotalUsing;
    void mm.kernelTable; // made on first use; its root frame is a 4 KiB kmalloc object
    const before = frames4k();
    assert.equal(mm.mmMapPhysAddr(va, pa, 0x40_0000, MAP_READ | MAP_WRITE, false), 0);
    assert.equal(
      mm.mmMapPhysAddr(va + 0x40_0000n, pa + 0x40_0000n, 0x2000, MAP_READ | MAP_EXECUTE, true),
      0,
    );
    const t = mm.translate(va + 0x20_1234n);
    assert.deepEqual([t.paddr, t.pageSize], [pa + 0x20_1234n, 0x20_0000]);
    const t4 = mm.translate(va + 0x40_1008n);
    assert.deepEqual([t4.paddr, t4.pageSize], [pa + 0x40_1008n, 0x1000]);
    assert.equal(t4.flags & MAP_EXECUTE, MAP_EXECUTE);
    assert.equal(t4.flags & MAP_WRITE, 0);
    // Write through the mapping, read through the physical address.
    mm.ram.write64(mm.translate(va + 0x10n).paddr, 0x1122_3344_5566_7788n);
    assert.equal(mm.ram.read64(pa + 0x10n), 0x1122_3344_5566_7788n);
    // Errors: misaligned, overlapping, bad length, non-canonical.
    assert.equal(mm.mmMapPhysAddr(va + 0x1000n, pa, 0x20_0000, MAP_READ, false), -EFAULT);
    assert.equal(mm.mmMapPhysAddr(va + 0x40_0000n, pa, 0x1000, MAP_READ, true), -EFAULT);
    assert.equal(mm.mmMapPhysAddr(va + 0x100_0000n, pa, 0x1800, MAP_READ, true), -EFAULT);
    assert.equal(mm.mmMapPhysAddr(0x0000_8000_0000_0000n, pa, 0x1000, MAP_READ, true), -EFAULT);
    assert.match(log[0], /virtual address 0x[0-9a-f]+ is not 2 MiB aligned/);
    assert.match(log[1], /is already mapped \(a 4 KiB page\)/);
    assert.match(log[2], /length 6144 is not a positive multiple of 4 KiB/);
    assert.match(log[3], /not a canonical/);
    assert.equal(mm.mmUnmapAddr(va + 0x1000n, 0x1000), -EFAULT, "inside a 2 MiB block");
    assert.ok(frames4k() > before);
    assert.equal(mm.mmUnmapAddr(va, 0x40_2000), 0);
    assert.equal(frames4k(), before, "every intermediate table was freed");
    assert.equal(mm.kernelTable.tableFrames, 1);
    assert.throws(() => mm.translate(va), (e) => e instanceof TranslationFault && e.level === 0);
  });
}

Deno.test("page tables: the real Sv39 and x86_64 entry bits land in RAM", () => {
  const rv = new DragonMemory();
  rv.mmMapPhysAddr(0x1000n, 0x8600_0000n, 0x1000, MAP_READ | MAP_WRITE | MAP_USER, true);
  const leafRv = rv.kernelTable.mappings()[0];
  assert.deepEqual([leafRv.vaddr, leafRv.paddr, leafRv.size], [0x1000n, 0x8600_0000n, 0x1000]);
  // Walk by hand: root[0] -> table, [0] -> table, [1] = the leaf PTE.
  const l0 = rv.ram.read64(rv.kernelTable.root);
  const l1 = rv.ram.read64((l0 >> 10n) << 12n);
  const pte = rv.ram.read64(((l1 >> 10n) << 12n) + 8n);
  assert.equal(pte, ((0x8600_0000n >> 12n) << 10n) | 0xd7n); // V R W U A D
  const x86 = new DragonMemory({ platform: "x86_64-qemu-q35" });
  x86.mmMapPhysAddr(0x20_0000n, 0x400_0000n, 0x20_0000, MAP_READ | MAP_WRITE | MAP_UNCACHED, false);
  const pml4 = x86.ram.read64(x86.kernelTable.root);
  const pdpt = x86.ram.read64(pml4 & 0xf_ffff_ffff_f000n);
  const pde = x86.ram.read64((pdpt & 0xf_ffff_ffff_f000n) + 8n);
  assert.equal(pde, 0x400_0000n | 0x1n | 0x2n | 0x8n | 0x10n | 0x20n | 0x40n | 0x80n | (1n << 63n));
});

Deno.test("TLB: a skipped flush serves a stale translation; flushes are counted", () => {
  const mm = new DragonMemory();
  const pgt = mm.createPageTable();
  const va = 0x4000_0000n;
  assert.equal(
    mm.mmMapProcPageTable(pgt, true, va, 0x8600_0000n, 0x1000, MAP_READ, false, true, true),
    0,
  );
  assert.equal(pgt.access(va + 4n).fromTlb, false);
  assert.equal(pgt.access(va + 8n).paddr, 0x8600_0008n);
  pgt.unmap(va, 0x1000, false); // the bug: no flush
  pgt.map(va, 0x8700_0000n, 0x1000, MAP_READ, true, false);
  const stale = pgt.access(va);
  assert.equal(stale.fromTlb, true);
  assert.equal(stale.paddr, 0x8600_0000n, "the TLB still says the old frame");
  assert.equal(pgt.translate(va).paddr, 0x8700_0000n, "the tables say the new one");
  const flushes = pgt.tlbStats.flushes;
  pgt.flush(va, 0x1000);
  assert.equal(pgt.tlbStats.flushes, flushes + 1);
  assert.equal(pgt.access(va).paddr, 0x8700_0000n);
  assert.ok(pgt.tlbStats.hits >= 2);
});

Deno.test("page tables: random maps and unmaps translate right and leave no empty tables", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          slot: fc.integer({ min: 0, max: 40 }),
          big: fc.boolean(),
          unmap: fc.boolean(),
        }),
        { maxLength: 30 },
      ),
      (ops) => {
        const mm = new DragonMemory({ platform: "aarch64-qemu-virt" });
        const pgt = mm.createPageTable();
        const mapped = new Map<number, boolean>(); // slot (2 MiB) -> big
        for (const op of ops) {
          const va = 0x1000_0000_0000n + BigInt(op.slot) * 0x20_0000n;
          const pa = 0x4000_0000n + BigInt(op.slot % 8) * 0x20_0000n;
          if (op.unmap) {
            pgt.unmap(va, 0x20_0000);
            mapped.delete(op.slot);
          } else if (!mapped.has(op.slot)) {
            if (op.big) pgt.map(va, pa, 0x20_0000, MAP_READ, false);
            else pgt.map(va, pa, 0x20_0000, MAP_READ, true);
            mapped.set(op.slot, op.big);
          }
        }
        for (let s = 0; s <= 40; s++) {
          const va = 0x1000_0000_0000n + BigInt(s) * 0x20_0000n + 0x1_2344n;
          if (mapped.has(s)) {
            assert.equal(
              pgt.translate(va).paddr,
              0x4000_0000n + BigInt(s % 8) * 0x20_0000n + 0x1_2344n,
            );
          } else assert.throws(() => pgt.translate(va), TranslationFault);
        }
        for (const s of mapped.keys()) {
          pgt.unmap(0x1000_0000_0000n + BigInt(s) * 0x20_0000n, 0x20_0000);
        }
        assert.equal(pgt.tableFrames, 1);
      },
    ),
    { numRuns: 100 },
  );
});
