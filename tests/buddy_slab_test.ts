// ArceOS 2026's buddy-slab global allocator: per-CPU slabs, remote frees
// parked until their owner drains them, DMA32 pages, the errors of the real
// code and the frees mmsim reports where the real code would corrupt
// itself; random multi-CPU sequences with the invariants checked.
import assert from "node:assert/strict";
import fc from "fast-check";
import { BuddySlabGlobalAllocator } from "../mm/axalloc/buddy_slab_global_allocator.ts";
import type { TlsfGlobalAllocator } from "../mm/axalloc/tlsf_global_allocator.ts";
import { BuddyPages, buddyRegionLayout } from "../mm/buddy_slab/buddy_pages.ts";
import { slabClassOf, slabDataOffset, SlabPage, slabPagesOf } from "../mm/buddy_slab/slab_cache.ts";
import { AllocError } from "../mm/allocator/alloc_error.ts";
import { KernelPanic } from "../mm/kernel_panic.ts";
import { runScript } from "./run_helpers.ts";
import { parseTrace } from "../trace/trace.ts";
import { formatReplay, replay } from "../trace/replay.ts";

const kind = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof AllocError) return e.kind;
    throw e;
  }
  return "ok";
};

Deno.test("buddy-slab: classes, slab sizes and object offsets are the crate's", () => {
  assert.deepEqual(
    [1, 8, 9, 16, 100, 2048].map((n) => slabClassOf(n, 1)),
    [0, 0, 1, 1, 4, 8],
  );
  assert.equal(slabClassOf(8, 256), 5); // the alignment counts as a size
  assert.equal(slabClassOf(2049, 8), -1);
  assert.deepEqual([0, 5, 6, 7, 8].map(slabPagesOf), [1, 1, 2, 2, 4]);
  assert.deepEqual([8, 128, 256, 2048].map(slabDataOffset), [128, 128, 256, 2048]);
});

Deno.test("buddy-slab: heaps start on 2 MiB behind the section header and page metadata", () => {
  const l = buddyRegionLayout(0x8040_0000, 0x40_0000, 0x20_0000)!;
  assert.equal(l.sectionStart, 0x8040_0000);
  assert.equal(l.metaStart, 0x8040_0000 + 160);
  assert.equal(l.heapStart, 0x8060_0000);
  assert.equal(l.heapSize, 512 * 4096);
  assert.equal(buddyRegionLayout(0x8040_0000, 0x3000, 0x20_0000), undefined);
});

Deno.test("buddy-slab: a remote free is parked until the owner allocates again, then reused", () => {
  const g = new BuddySlabGlobalAllocator({ cpus: 2 });
  g.init(0x8040_0000, 0x80_0000);
  const a = g.alloc(64, 8);
  const b = g.alloc(64, 8);
  g.cpu = 1;
  g.dealloc(a, 64, 8); // remote
  const row = () => g.slabInfo().find((r) => r.cpu === 0 && r.objectSize === 64)!;
  assert.equal(row().remotePending, 1);
  assert.equal(row().active, 1);
  // CPU 1 allocates from its own slab: the parked object stays parked.
  const c = g.alloc(64, 8);
  assert.notEqual(c, a);
  assert.equal(g.slabOf(c)!.owner, 1);
  assert.equal(row().remotePending, 1);
  // The owner drains it on its next allocation and hands it out again.
  g.cpu = 0;
  assert.equal(g.alloc(64, 8), a);
  assert.equal(row().remotePending, 0);
  assert.equal(row().drained, 1);
  assert.equal(g.remoteFrees()[1], 1);
  g.dealloc(b, 64, 8);
});

Deno.test("buddy-slab: an object freed twice, across CPUs too, or with another class is reported", () => {
  const g = new BuddySlabGlobalAllocator({ cpus: 2 });
  g.init(0x8040_0000, 0x80_0000);
  const a = g.alloc(32, 8);
  g.cpu = 1;
  g.dealloc(a, 32, 8);
  assert.throws(
    () => g.dealloc(a, 32, 8),
    /free already \(double free, waiting on its slab's remote-free list\)/,
  );
  g.cpu = 0;
  assert.throws(() => g.dealloc(a + 8, 32, 8), /not an object of a live slab/);
  const b = g.alloc(32, 8);
  assert.throws(
    () => g.dealloc(b, 100, 8),
    /32-byte object, freed with a layout of the 128-byte class/,
  );
  assert.throws(() => g.dealloc(0x1234, 5000, 8), /NotAllocated/);
  assert.throws(() => g.deallocPages(b - (b % 4096), 1), /lies in a 32-byte slab/);
  const used = g.usedBytes();
  g.dealloc(b, 32, 8);
  assert.equal(kind(() => g.dealloc(b, 32, 8)), "NotAllocated");
  assert.equal(g.usedBytes(), used);
});

Deno.test("buddy-slab: init, add_memory and page calls answer as the real code does", () => {
  const g = new BuddySlabGlobalAllocator();
  assert.equal(kind(() => g.addMemory(0x9000_0000, 0x40_0000)), "NotInitialized");
  assert.equal(kind(() => g.alloc(8, 8)), "NotInitialized");
  assert.equal(kind(() => g.init(0x8040_0000, 0x3000)), "InvalidParam");
  g.init(0x8040_0000, 0x40_0000);
  assert.equal(kind(() => g.init(0x8040_0000, 0x40_0000)), "AlreadyInitialized");
  assert.equal(kind(() => g.addMemory(0x8050_0000, 0x40_0000)), "MemoryOverlap");
  assert.equal(kind(() => g.addMemory(0x9000_0000, 0x3000)), "ok"); // skipped
  assert.deepEqual(g.skipped, [{ start: 0x9000_0000, size: 0x3000 }]);
  assert.equal(kind(() => g.allocPages(0, 4096)), "InvalidParam");
  assert.equal(kind(() => g.allocPages(1, 2048)), "InvalidParam");
  assert.equal(kind(() => g.allocPages(1, 3 * 4096)), "InvalidParam");
  assert.equal(g.allocPages(1, 0), 0x8060_0000);
  assert.equal(kind(() => g.allocPages(2 ** 21, 4096)), "InvalidParam");
  assert.equal(kind(() => g.allocPages(1024, 4096)), "NoMemory");
  assert.throws(() => g.allocPagesAt(0x8060_0000, 1, 4096), KernelPanic);
  assert.equal(g.usages().get("Global"), 4096);
});

Deno.test("buddy-slab: DMA32 pages lie below 4 GiB physical on RAM that straddles it", () => {
  // x86_64-style: virtual = physical + 0xffff_8000_0000_0000, the window at that origin.
  const origin = 0xffff_8000_0000_0000n;
  const g = new BuddySlabGlobalAllocator({ origin, offset: origin });
  // RAM from 4 GiB - 6 MiB to 4 GiB + 58 MiB.
  g.init(0xffc0_0000 - 0x20_0000, 0x400_0000);
  const got: number[] = [];
  for (;;) {
    try {
      got.push(g.allocDma32Pages(16, 0));
    } catch (e) {
      assert.ok(e instanceof AllocError && e.kind === "NoMemory");
      break;
    }
  }
  assert.ok(got.length > 0);
  for (const p of got) assert.ok(p + 16 * 4096 <= 2 ** 32, p.toString(16));
  // Ordinary pages still come from above 4 GiB.
  assert.ok(g.allocPages(16, 0) >= 2 ** 32);
});

Deno.test("buddy-slab: the buddy frees the whole block its metadata records and merges", () => {
  const b = new BuddyPages();
  b.addRegion(0x8000_0000, 0x10_0000, 4096);
  const free = b.freePages();
  const p = b.allocPages(3, 0); // order 2: four pages
  assert.equal(b.freePages(), free - 4);
  b.deallocPages(p, 3);
  assert.equal(b.freePages(), free);
  assert.throws(() => b.deallocPages(p, 3), /not the start of an allocated page block/);
});

Deno.test("buddy-slab: the buddy aligns runs in the address space when its heap is only page-aligned", () => {
  const b = new BuddyPages();
  b.addRegion(0x8000_0000, 0x10_0000, 4096); // the heap starts at 0x80001000
  const run = (n: number, align: number) => {
    try {
      return b.allocPages(n, align).toString(16);
    } catch (e) {
      if (e instanceof AllocError) return e.kind;
      throw e;
    }
  };
  // A block of 2^k pages lies a multiple of 2^k pages from the heap's
  // start: one page past a boundary, no run of two or more pages can be
  // aligned past a page.
  assert.deepEqual(
    [[1, 0x8000], [2, 0x4000], [4, 0x8000], [1, 0x10000], [2, 0], [1, 0x40000]].map(([n, a]) =>
      run(n, a)
    ),
    ["800f8000", "NoMemory", "NoMemory", "800f0000", "800ed000", "800c0000"],
  );
  assert.equal(b.freePages(), 255 - 5);
});

type Op =
  | { op: "alloc"; cpu: number; size: number; align: number }
  | { op: "pages"; cpu: number; n: number; align: number; dma: boolean }
  | { op: "free"; cpu: number; pick: number };

const ops = fc.array(
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant("alloc" as const),
        cpu: fc.nat(3),
        size: fc.oneof(fc.integer({ min: 0, max: 2048 }), fc.integer({ min: 1, max: 20_000 })),
        align: fc.integer({ min: 0, max: 13 }).map((k) => 2 ** k),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("pages" as const),
        cpu: fc.nat(3),
        n: fc.integer({ min: 1, max: 40 }),
        align: fc.constantFrom(0, 4096, 8192, 0x10_000, 0x20_0000),
        dma: fc.boolean(),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({ op: fc.constant("free" as const), cpu: fc.nat(3), pick: fc.nat() }),
    },
  ),
  { maxLength: 300 },
);

Deno.test("buddy-slab: random multi-CPU sequences keep blocks apart, inside the heap, and lose nothing", () => {
  fc.assert(
    fc.property(ops, (list: Op[]) => {
      // RAM straddling 4 GiB physical (offset 0: virtual = physical).
      const g = new BuddySlabGlobalAllocator({ cpus: 4 });
      g.init(0xff00_0000, 0x200_0000);
      const heap = g.buddy.section(0)!;
      const live: {
        p: number;
        bytes: number;
        size: number;
        align: number;
        page: boolean;
        dma: boolean;
        n: number;
      }[] = [];
      for (const o of list) {
        g.cpu = o.cpu;
        if (o.op === "free") {
          if (live.length === 0) continue;
          const [b] = live.splice(o.pick % live.length, 1);
          if (b.page) g.deallocPages(b.p, b.n, b.dma ? "Dma" : "Global");
          else g.dealloc(b.p, b.size, b.align);
        } else {
          let p: number;
          try {
            p = o.op === "alloc"
              ? g.alloc(o.size, o.align)
              : o.dma
              ? g.allocDma32Pages(o.n, o.align)
              : g.allocPages(o.n, o.align);
          } catch (e) {
            assert.ok(e instanceof AllocError, String(e));
            continue;
          }
          const page = o.op === "pages";
          const bytes = page ? o.n * 4096 : Math.max(o.size, 1);
          const align = page ? Math.max(o.align, 4096) : o.align;
          assert.equal(p % align, 0, `aligned to ${align}`);
          assert.ok(
            p >= heap.heapStart && p + bytes <= heap.heapStart + heap.heapSize,
            "inside the heap",
          );
          if (page && o.dma) assert.ok(p + bytes <= 2 ** 32, "DMA32 below 4 GiB");
          for (const l of live) {
            assert.ok(p + bytes <= l.p || l.p + l.bytes <= p, "apart from live blocks");
          }
          live.push({
            p,
            bytes,
            size: page ? 0 : o.size,
            align: page ? 0 : o.align,
            page,
            dma: page && o.dma,
            n: page ? o.n : 0,
          });
        }
        assert.equal(g.usedBytes() + g.availableBytes(), heap.heapSize);
        // usages(): the bytes as RustHeap, the pages as Global, the DMA32 pages as Dma.
        const sum = (f: (b: typeof live[number]) => boolean) =>
          live.reduce((n, b) => n + (f(b) ? (b.page ? b.bytes : b.size) : 0), 0);
        const u = g.usages();
        assert.equal(u.get("RustHeap"), sum((b) => !b.page));
        assert.equal(u.get("Global"), sum((b) => b.page && !b.dma));
        assert.equal(u.get("Dma"), sum((b) => b.dma));
        const rows = g.slabInfo();
        const objects = live.filter((b) => !b.page && b.size <= 2048 && b.align <= 2048).length;
        assert.equal(
          rows.reduce((n, r) => n + r.active, 0),
          objects,
          "every live object counted once",
        );
      }
      // Free the rest, each on a CPU other than its owner where there is one.
      for (const b of live) {
        if (b.page) g.deallocPages(b.p, b.n);
        else {
          const s = g.slabOf(b.p);
          g.cpu = s === undefined ? 0 : (s.owner + 1) % 4;
          g.dealloc(b.p, b.size, b.align);
        }
      }
      const rows = g.slabInfo();
      assert.equal(rows.reduce((n, r) => n + r.active, 0), 0);
      // Nothing lost: the pages in use are exactly the slabs still held.
      assert.equal(g.usedPages(), rows.reduce((n, r) => n + r.pages, 0));
    }),
    { numRuns: 150 },
  );
});

/**
 * Runs `source` with `--trace` as a user would, replays the trace on
 * `allocator`, and compares the output with the real code's (`native`, when
 * this machine has it built: `../shared/native/`).
 */
function traceReplaysAsNative(
  source: string,
  allocator: string,
  native: string,
): { text: string; ours: string } {
  const r = runScript(["t.mms", "--quiet", "--trace", "t.trace"], { "t.mms": source });
  assert.equal(r.code, 0, r.err.join("\n"));
  const text = r.written.get("t.trace")!;
  const ours = formatReplay(
    parseTrace(text, "t.trace"),
    replay(parseTrace(text, "t.trace"), allocator),
  );
  const path = new URL(`../../shared/native/${native}`, import.meta.url).pathname;
  let real: string | undefined;
  try {
    Deno.statSync(path);
    const file = Deno.makeTempFileSync({ suffix: ".trace" });
    Deno.writeTextFileSync(file, text);
    real = new TextDecoder().decode(new Deno.Command(path, { args: [file] }).outputSync().stdout);
    Deno.removeSync(file);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e; // no native build on this machine
  }
  if (real !== undefined) assert.equal(ours, real);
  return { text, ours };
}

Deno.test("buddy-slab: a script's trace (CPUs, remote frees, DMA32) replays as the real code does", () => {
  const { text, ours } = traceReplaysAsNative(
    'kernel arceos = "2026-buddy-slab"\ncpus 3\nfinal_init()\nlet a = alloc(64, 8)\n' +
      "let b = alloc(3000, 8)\non cpu 2 { dealloc(a, 64, 8) }\nlet c = alloc(64, 8)\n" +
      "expect c == a\nlet d = alloc_dma32_pages(2, 0)\ndealloc_pages(d, 2)\n" +
      "on cpu 1 { let e = alloc(200, 16) }\nlet p = alloc_pages(3, 0)\n",
    "ax-alloc-buddy-slab",
    "natbuddyslab",
  );
  assert.match(text, /^cpus 3$/m);
  assert.match(text, /^cpu 2$/m);
  assert.match(text, /^d \d+ 2 0$/m);
  assert.match(ours, /^region ok\n0 0x[0-9a-f]+\n1 0x/);
});

Deno.test("ArceOS 2026 TLSF: random multi-CPU sequences keep blocks apart and the statistics exact", async () => {
  const { ArceosGlobal2026 } = await import("../mm/axalloc/arceos_profile.ts");
  fc.assert(
    fc.property(ops, (list: Op[]) => {
      let cpu = 0;
      const g = new ArceosGlobal2026("2026-tlsf", { cpus: 4, cpu: () => cpu });
      g.init(0x8040_0000, 0x200_0000);
      const live: { p: number; bytes: number; size: number; align: number; n: number }[] = [];
      let used = 0;
      for (const o of list) {
        cpu = o.cpu;
        if (o.op === "free") {
          if (live.length === 0) continue;
          const [b] = live.splice(o.pick % live.length, 1);
          if (b.n > 0) g.deallocPages(b.p, b.n);
          else g.dealloc(b.p, b.size, b.align);
          used -= b.n > 0 ? b.n * 4096 : b.size;
        } else if (o.op === "pages" && o.dma) {
          assert.throws(() => g.allocDma32Pages(o.n, o.align), KernelPanic);
        } else {
          let p: number;
          try {
            p = o.op === "alloc" ? g.alloc(o.size, o.align) : g.allocPages(o.n, o.align);
          } catch (e) {
            assert.ok(e instanceof AllocError, String(e));
            continue;
          }
          const bytes = o.op === "pages" ? o.n * 4096 : Math.max(o.size, 1);
          const align = o.op === "pages" ? Math.max(o.align, 4096) : o.align;
          assert.equal(p % align, 0);
          assert.ok(p >= 0x8040_0000 && p + bytes <= 0x8040_0000 + 0x200_0000);
          for (const l of live) assert.ok(p + bytes <= l.p || l.p + l.bytes <= p, "apart");
          if (o.op === "pages") live.push({ p, bytes, size: 0, align: 0, n: o.n });
          else live.push({ p, bytes, size: o.size, align: o.align, n: 0 });
          used += o.op === "pages" ? o.n * 4096 : o.size;
        }
        // used_bytes is the live layouts' sizes, whichever CPU made them;
        // usages() splits them: the bytes as RustHeap, the pages as Global.
        assert.equal(g.usedBytes(), used);
        assert.equal(g.usedBytes() + g.availableBytes(), 0x200_0000);
        const pages = live.reduce((n, l) => n + (l.n > 0 ? l.bytes : 0), 0);
        const u = (g.model as TlsfGlobalAllocator).usages();
        assert.equal(u.get("Global"), pages);
        assert.equal(u.get("RustHeap"), used - pages);
      }
    }),
    { numRuns: 100 },
  );
});

Deno.test("ArceOS 2026 TLSF: a script's trace replays as the real code does", () => {
  const { text, ours } = traceReplaysAsNative(
    'kernel arceos = "2026-tlsf"\ncpus 2\nfinal_init()\nlet a = alloc(100, 8)\n' +
      "on cpu 1 { dealloc(a, 100, 8) }\nlet p = alloc_pages(3, 8K)\nlet b = alloc(5000, 64)\n" +
      "dealloc_pages(p, 3)\n",
    "ax-alloc-tlsf",
    "nataxtlsf",
  );
  assert.match(text, /^# ArceOS 2026-tlsf: deno task replay --allocator ax-alloc-tlsf/m);
  assert.match(ours, /^region ok\n0 0xffffffc080400010\n/);
});

Deno.test("buddy-slab: a slab's remote-free stack lists its slots in push order, and a drain empties it", () => {
  const s = new SlabPage(0x8040_0000, 0, 0); // 8-byte objects
  const a = s.localAlloc();
  const b = s.localAlloc();
  const c = s.localAlloc();
  const free = s.localFree;
  s.remoteFree(c);
  s.remoteFree(a);
  assert.deepEqual(s.remote, [c, a]);
  assert.equal(s.remoteCount, 2);
  assert.ok(s.isRemote(a) && s.isRemote(c) && !s.isRemote(b));
  assert.ok(!s.isFree(a), "parked, not free yet");
  assert.equal(s.drain(), 2);
  assert.deepEqual(s.remote, []);
  assert.ok(!s.isRemote(a) && !s.isRemote(c) && s.isFree(a) && s.isFree(c));
  assert.equal(s.localFree, free + 2);
  // The same slot parked again after its drain is parked once, not twice.
  assert.equal(s.localAlloc(), a);
  s.remoteFree(a);
  assert.deepEqual(s.remote, [a]);
  // A slab made anew for another class has nothing parked.
  s.init(0x8040_1000, 1, 1);
  assert.deepEqual(s.remote, []);
  assert.ok(!s.isRemote(a));
});
