// The simulated kernel's memory subsystem: early allocator, the switch,
// global allocator on kernel virtual addresses, GlobalPage and DMA.
import assert from "node:assert/strict";
import { virt } from "../hal/address.ts";
import { AllocError, isAllocError } from "../mm/allocator/alloc_error.ts";
import { DmaAllocator } from "../mm/axdma/dma.ts";
import { EarlyAllocator, isPageRequest } from "../mm/axalloc/early_allocator.ts";
import { AxError, GlobalPage, PageReleasedError } from "../mm/axalloc/global_page.ts";
import { KernelHalted, KernelMemory, KernelPanic } from "../mm/axalloc/kernel_memory.ts";
import type { GlobalAllocator } from "../mm/axalloc/global_allocator.ts";

const MiB = 0x10_0000;

Deno.test("early allocator: bytes up, pages down, count-based reset, statistics", () => {
  const e = new EarlyAllocator();
  e.init(0x8010_0000, MiB);
  assert.equal(e.allocBytes(11, 1), 0x8010_0000);
  assert.equal(e.allocBytes(8, 8), 0x8010_0010);
  assert.equal(e.allocPages(0x2000, 0x2000), 0x801f_e000);
  assert.equal(e.allocPages(0x1000, 0x4000), 0x801f_c000);
  assert.equal(e.usedBytes(), 0x18);
  assert.equal(e.usedPages(), 4);
  assert.equal(e.availableBytes(), 0x801f_c000 - 0x8010_0018);
  e.deallocBytes();
  assert.equal(e.usedBytes(), 0x18, "one byte allocation is still live");
  e.deallocBytes();
  assert.equal(e.usedBytes(), 0, "count 0: the byte area resets");
  assert.equal(e.usedPages(), 4, "pages are never freed");
  assert.throws(() => e.deallocBytes(), (err) => isAllocError(err, "NotAllocated"));
  assert.throws(() => e.allocBytes(MiB, 1), (err) => isAllocError(err, "NoMemory"));
  assert.throws(() => e.allocPages(MiB, 4096), (err) => isAllocError(err, "NoMemory"));
  assert.equal(isPageRequest(8192, 4096), true);
  assert.equal(isPageRequest(8192, 8192), false);
  assert.equal(isPageRequest(100, 4096), false);
});

Deno.test("kernel: the riscv64 two-stage boot prints Hello, ArceOS![from String]", () => {
  const log: string[] = [];
  const k = new KernelMemory({ log: (l) => log.push(l) });
  assert.equal(k.stage, "boot");
  assert.equal(k.skernel, 0xffff_ffc0_8020_0000n);
  k.earlyInit(k.skernel - BigInt(MiB), MiB);
  assert.equal(k.stage, "early");
  const s = k.alloc(11, 1);
  assert.equal(s, 0xffff_ffc0_8010_0000n);
  const text = new TextEncoder().encode("from String");
  k.ram.write(k.virtToPhys(s), text);
  const read = new TextDecoder().decode(k.ram.read(k.virtToPhys(s), 11));
  assert.equal(`Hello, ArceOS![${read}]`, "Hello, ArceOS![from String]");
  const page = k.alloc(8192, 4096); // the tutorial's page request: from the top
  assert.equal(page, 0xffff_ffc0_801f_e000n);
  assert.equal(k.ownerOf(page), "early-pages");
  k.finalInit();
  assert.equal(k.stage, "final");
  assert.deepEqual(log, [
    "initialize global allocator at: [0xffffffc080400000, 0xffffffc088000000)",
  ]);
  assert.equal(k.global.heapStart, k.toLocal(0xffff_ffc0_8040_0000n));
  // The live early allocation is freed into the early allocator, not the global one.
  const usedBefore = k.global.usedBytes();
  k.dealloc(s, 11, 1);
  assert.equal(k.early.count, 0);
  assert.equal(k.early.usedBytes(), 0);
  assert.equal(k.global.usedBytes(), usedBefore);
  k.dealloc(page, 8192, 4096); // early pages are never freed
  assert.equal(k.early.usedPages(), 2);
  const g = k.alloc(100, 8);
  assert.equal(k.ownerOf(g), "global-bytes");
  assert.ok(g >= 0xffff_ffc0_8040_0000n && g < 0xffff_ffc0_8040_8000n);
  k.dealloc(g, 100, 8);
  assert.throws(() => k.dealloc(g, 100, 8), /not a live allocation .*double free/);
  assert.throws(() => k.dealloc(0x1234n, 8, 8), (e) => isAllocError(e, "NotAllocated"));
  assert.throws(() => k.dealloc(0n, 8, 8), /kernel panicked: dealloc of a null pointer/);
});

Deno.test("kernel: boot wiring gives the largest free region to global_init, others to add_memory", () => {
  const log: string[] = [];
  const k = new KernelMemory({ platform: "x86_64-qemu-q35", log: (l) => log.push(l) });
  k.finalInit();
  assert.deepEqual(log, [
    "initialize global allocator at: [0xffff800000400000, 0xffff800008000000)",
    "add memory: [0xffff800000100000, 0xffff800000200000)",
  ]);
  const g = k.global as GlobalAllocator;
  assert.equal(g.balloc.totalBytes(), 0x8000 + MiB);
  assert.equal(g.palloc.totalPages(), (0x800_0000 - 0x40_0000) / 4096);
  assert.throws(() => k.finalInit(), /final_init ran already/);
});

Deno.test("kernel: init needs more than 32 KiB; a region outside RAM is refused", () => {
  const k = new KernelMemory();
  assert.throws(() => k.globalInit(0xffff_ffc0_8040_0000n, 0x8000), /more than 32768 bytes/);
  assert.throws(() => k.globalInit(0xffff_ffc0_9000_0000n, 0x10000), /is not RAM/);
  assert.throws(() => k.alloc(8, 8), /no allocator is initialised/);
});

Deno.test("kernel: the heap grows until the page allocator is exhausted, then the kernel panics", () => {
  const log: string[] = [];
  const k = new KernelMemory({ log: (l) => log.push(l) });
  k.globalInit(0xffff_ffc0_8040_0000n, 0x10_0000); // 1 MiB
  const blocks: bigint[] = [];
  let panic: KernelPanic | undefined;
  try {
    for (;;) blocks.push(k.alloc(0x4000, 8));
  } catch (e) {
    assert.ok(e instanceof KernelPanic, String(e));
    panic = e;
  }
  assert.ok(log.some((l) => l.startsWith("expand heap memory: [0xffffffc0804")));
  assert.deepEqual(panic!.request, { size: 0x4000, align: 8 });
  assert.match(
    panic!.message,
    /memory allocation of 16384 bytes \(align 8\) failed: NoMemory: .* \(\d+ bytes available\)/,
  );
  assert.equal(k.panic, panic);
  assert.throws(
    () => k.alloc(8, 8),
    (e) =>
      e instanceof KernelHalted && e.panic === panic &&
      /^the kernel halted: memory/.test(e.message),
    "a panicked kernel stays stopped, and says why",
  );
});

Deno.test("kernel: page allocation errors: NoMemory versus InvalidParam", () => {
  const k = new KernelMemory();
  k.finalInit();
  const kind = (fn: () => unknown) => {
    try {
      fn();
      return "ok";
    } catch (e) {
      return (e as AllocError).kind;
    }
  };
  assert.equal(kind(() => k.allocPages(1_000_000, 4096)), "NoMemory");
  assert.equal(kind(() => k.allocPages(0, 4096)), "InvalidParam");
  assert.equal(kind(() => k.allocPages(1, 1000)), "InvalidParam");
  const p = k.allocPages(4, 0x4000);
  assert.equal(p % 0x4000n, 0n);
  assert.equal(kind(() => k.deallocPages(p, 3)), "InvalidParam");
  k.deallocPages(p, 4);
  assert.equal(kind(() => k.deallocPages(p, 4)), "NotAllocated");
});

Deno.test("GlobalPage: views of simulated RAM, zeroing, release and use after release", () => {
  const k = new KernelMemory();
  k.finalInit();
  const page = GlobalPage.allocContiguous(k, 2, 0x2000);
  assert.equal(page.size(), 0x2000);
  assert.equal(page.startVaddr() % 0x2000n, 0n);
  const pa = page.startPaddr();
  assert.equal(pa, k.virtToPhys(page.startVaddr()));
  page.fill(0x5a);
  assert.equal(k.ram.read8(pa + 0x1fffn), 0x5a);
  const mut = page.asMutSlice();
  mut.set(3, 0x11);
  assert.equal(page.asSlice().get(3), 0x11);
  k.ram.write8(pa + 4n, 0x22); // another path to the same bytes
  assert.equal(page.asSlice().get(4), 0x22);
  assert.throws(() => page.asSlice().set(0, 1), /read-only/);
  page.zero();
  assert.deepEqual([...page.asSlice().read(0, 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
  const used = k.usedPages();
  page.release();
  assert.equal(k.usedPages(), used - 2);
  assert.throws(() => page.release(), PageReleasedError);
  assert.throws(() => mut.get(0), /was released; access through a slice is a use after free/);
  assert.throws(() => page.startVaddr(), PageReleasedError);
  {
    using zeroed = GlobalPage.allocZero(k);
    assert.equal(zeroed.asSlice().get(100), 0);
    assert.equal(k.usedPages(), used - 1);
  }
  assert.equal(k.usedPages(), used - 2, "released at the end of the using scope");
  assert.throws(
    () => GlobalPage.allocContiguous(k, 1 << 20, 4096),
    (e) => e instanceof AxError && e.kind === "NoMemory",
  );
  assert.throws(
    () => GlobalPage.allocContiguous(k, 2, 3),
    (e) => e instanceof AxError && e.kind === "InvalidInput",
  );
});

Deno.test("DMA on raspi4: bus = phys + 0xC000_0000, pages uncached until freed", () => {
  const k = new KernelMemory({ platform: "aarch64-raspi4" });
  k.finalInit();
  const dma = new DmaAllocator(k);
  const big = dma.allocCoherent(8192, 4096);
  assert.equal(big.busAddr, k.virtToPhys(big.cpuAddr) + 0xc000_0000n);
  assert.equal(dma.virtToBus(big.cpuAddr), big.busAddr);
  assert.equal(k.memoryAttribute(big.cpuAddr), "uncached");
  assert.equal(k.memoryAttribute(big.cpuAddr + 0x1fffn), "uncached");
  const pages = k.usedPages();
  dma.deallocCoherent(big, 8192, 4096);
  assert.equal(k.usedPages(), pages - 2);
  assert.equal(k.memoryAttribute(big.cpuAddr), "normal");
  // Small buffers: the DMA heap grows once by 4 uncached pages, never returned.
  const before = k.usedPages();
  const small = dma.allocCoherent(64, 64);
  assert.equal(k.usedPages(), before + 4);
  assert.equal(k.memoryAttribute(small.cpuAddr), "uncached");
  assert.equal(small.cpuAddr % 64n, 0n);
  dma.deallocCoherent(small, 64, 64);
  assert.equal(k.usedPages(), before + 4);
  assert.throws(() => dma.deallocCoherent(small, 64, 64), (e) => isAllocError(e, "NotAllocated"));
  assert.throws(() => dma.allocCoherent(100, 3), (e) => isAllocError(e, "InvalidParam"));
  const other = new KernelMemory({ platform: "riscv64-qemu-virt" });
  other.finalInit();
  const b = new DmaAllocator(other).allocCoherent(4096, 4096);
  assert.equal(b.busAddr, other.virtToPhys(b.cpuAddr), "bus offset 0 elsewhere");
  assert.equal(virt(b.cpuAddr) > 0xffff_ffc0_0000_0000n, true);
});
