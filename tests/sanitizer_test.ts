// The KASAN-style sanitizer and the kmemleak-style leak check: each bug type
// on each kind of memory, the report's lines, no false positives, no change
// to any address.
import assert from "node:assert/strict";
import { formatReplay, replay } from "../trace/replay.ts";
import { parseTrace } from "../trace/trace.ts";
import { runScript } from "./run_helpers.ts";

const run = (source: string, ...args: string[]) =>
  runScript(["t.mms", "--quiet", ...args], { "t.mms": source });

/** Runs `source`; its last statement must fail with the report whose lines match `lines`. */
function reports(source: string, code: string, lines: RegExp[]): void {
  const r = run(source);
  assert.equal(r.code, 1, `${source}\n${r.out.join("\n")}`);
  const err = r.err.join("\n");
  for (const line of lines) assert.match(err, line, `${source}\n---\n${err}`);
  const caught = run(source.replace(/([^\n]+)\n$/, `expect error ${code} { $1 }\n`));
  assert.equal(caught.code, 0, `expect error ${code}:\n${caught.err.join("\n")}`);
}

Deno.test("kmalloc objects: slab-out-of-bounds, slab-use-after-free, double-free, invalid-free", () => {
  reports('final_init()\nlet s = kmalloc(16)\nwrite(s, "0123456789abcdef!")\n', "OutOfBounds", [
    /^t\.mms:3:1: error: BUG: KASAN: slab-out-of-bounds in t\.mms:3:1$/m,
    /^Write of size 17 at addr ffffffc080[0-9a-f]+ by t\.mms:3:1 write\(s, "0123456789abcdef!"\)$/m,
    /^Allocated by: t\.mms:2:9 {2}kmalloc\(16\)$/m,
    /^ which belongs to the cache kmalloc-32 of size 32$/m,
    /^The buggy address is located 0 bytes to the right of allocated 16-byte region/m,
    /^Memory state around the buggy address:$/m,
    /^>ffffffc080[0-9a-f]+: 00 00 fc fc fe/m,
  ]);
  reports("final_init()\nlet k = kmalloc(64)\nkfree(k)\nprint read8(k + 8)\n", "UseAfterFree", [
    /BUG: KASAN: slab-use-after-free in t\.mms:4:7/,
    /^Read of size 1 at addr/m,
    /^Allocated by: t\.mms:2:9 {2}kmalloc\(64\)$/m,
    /^Freed by: {5}t\.mms:3:1 {2}kfree\(k\)$/m,
    /located 8 bytes inside of freed 64-byte region/,
  ]);
  reports("final_init()\nlet k = kmalloc(64)\nkfree(k)\nkfree(k)\n", "DoubleFree", [
    /kfree\(0x[0-9a-f]+\): double free of a 64-byte object/,
    /^BUG: KASAN: double-free in t\.mms:4:1$/m,
    /^Freed by: {5}t\.mms:3:1 {2}kfree\(k\)$/m,
  ]);
  reports("final_init()\nlet k = kmalloc(64)\nkfree(k + 8)\n", "InvalidFree", [
    /^BUG: KASAN: invalid-free in t\.mms:3:1$/m,
    /located 8 bytes inside of allocated 64-byte region/,
  ]);
});

Deno.test("a kmalloc/kfree loop (its frees poisoned late, its objects handed back without a write) still reports", () => {
  // The same object freed and handed out again at once: the stale pointer's
  // read is a use after free, from the loop's own lines.
  const loop = "final_init()\nlet k = 0\nrepeat 5 {\n  k = kmalloc(64)\n  kfree(k)\n}\n";
  reports(loop + "print read8(k + 8)\n", "UseAfterFree", [
    /BUG: KASAN: slab-use-after-free in t\.mms:7:7/,
    /^Allocated by: t\.mms:4:7 {2}kmalloc\(64\)$/m,
    /^Freed by: {5}t\.mms:5:3 {2}kfree\(k\)$/m,
  ]);
  // Handed out again in the same slot with a smaller size: its new end is slack.
  reports(
    loop + "let s = kmalloc(40)\nexpect s == k\nwrite8(s + 39, 1)\nwrite8(s + 40, 1)\n",
    "OutOfBounds",
    [
      /BUG: KASAN: slab-out-of-bounds in t\.mms:10:1/,
      /^Allocated by: t\.mms:7:9 {2}kmalloc\(40\)$/m,
      /located 0 bytes to the right of allocated 40-byte region/,
    ],
  );
  // The loop leaves nothing poisoned that is live again: no false report.
  const fine = run(loop + "let a = kmalloc(64)\nwrite8(a + 63, 1)\nkfree(a)\n");
  assert.equal(fine.code, 0, fine.err.join("\n"));
});

Deno.test("global blocks, pages and GlobalPage: out-of-bounds, use-after-free, double and invalid frees", () => {
  reports("final_init()\nlet p = alloc(100, 8)\nwrite8(p + 100, 1)\n", "OutOfBounds", [
    /BUG: KASAN: out-of-bounds in t\.mms:3:1/,
    / which is global bytes of 100 bytes/,
  ]);
  reports(
    "final_init()\nlet p = alloc(100, 8)\ndealloc(p, 100, 8)\nwrite8(p, 1)\n",
    "UseAfterFree",
    [
      /BUG: KASAN: use-after-free in t\.mms:4:1/,
      /^Freed by: {5}t\.mms:3:1 {2}dealloc\(p, 100, 8\)$/m,
    ],
  );
  reports(
    "final_init()\nlet p = alloc(100, 8)\ndealloc(p, 100, 8)\ndealloc(p, 100, 8)\n",
    "DoubleFree",
    [
      /error: NotAllocated: .* is not a live allocation of this kernel/,
      /^BUG: KASAN: double-free in t\.mms:4:1$/m,
    ],
  );
  // The old name still matches the same misuse.
  assert.equal(
    run(
      "final_init()\nlet p = alloc(8, 8)\ndealloc(p, 8, 8)\nexpect error NotAllocated { dealloc(p, 8, 8) }\n",
    ).code,
    0,
  );
  reports("final_init()\nlet p = alloc_pages(2, 4K)\nread64(p + 8K)\n", "OutOfBounds", [
    /BUG: KASAN: out-of-bounds/,
    / which is global pages of 8192 bytes/,
  ]);
  reports(
    "final_init()\nlet p = alloc_pages(2, 4K)\ndealloc_pages(p, 2)\nread64(p)\n",
    "UseAfterFree",
    [
      /BUG: KASAN: use-after-free/,
    ],
  );
  reports("final_init()\nlet g = page_alloc()\nwrite8(g.start_vaddr + 4K, 1)\n", "OutOfBounds", [
    /BUG: KASAN: out-of-bounds/,
  ]);
  reports(
    "final_init()\nlet g = page_alloc()\nlet a = g.start_vaddr\ng.release()\nwrite8(a, 1)\n",
    "UseAfterFree",
    [/BUG: KASAN: use-after-free/, /^Allocated by: t\.mms:2:9 {2}page_alloc\(\)$/m],
  );
});

Deno.test("GlobalPage views are checked too: use after release, a second release", () => {
  reports("final_init()\nlet g = page_alloc()\ng.release()\ng.write8(5, 1)\n", "UseAfterFree", [
    /BUG: KASAN: use-after-free in t\.mms:4:1/,
    /^Freed by: {5}t\.mms:3:1 {2}g\.release\(\)$/m,
  ]);
  reports("final_init()\nlet g = page_alloc()\ng.release()\ng.release()\n", "DoubleFree", [
    /BUG: KASAN: double-free in t\.mms:4:1/,
  ]);
  const ok = run(
    "final_init()\nlet g = page_alloc()\ng.fill(1)\nexpect g.read8(4095) == 1\ng.zero()\ng.release()\n",
  );
  assert.equal(ok.code, 0, ok.err.join("\n"));
});

Deno.test("DMA buffers, early allocations and zone pages", () => {
  reports(
    "final_init()\nlet d = alloc_coherent(64, 64)\nwrite8(d.cpu_addr + 64, 1)\n",
    "OutOfBounds",
    [/BUG: KASAN: out-of-bounds/, / which is DMA buffer of 64 bytes/],
  );
  reports(
    "final_init()\nlet d = alloc_coherent(64, 64)\ndealloc_coherent(d)\nwrite8(d.cpu_addr, 1)\n",
    "UseAfterFree",
    [/BUG: KASAN: use-after-free/, /^Freed by: {5}t\.mms:3:1 {2}dealloc_coherent\(d\)$/m],
  );
  reports(
    "final_init()\nlet d = alloc_coherent(8K, 4K)\ndealloc_coherent(d)\ndealloc_coherent(d)\n",
    "DoubleFree",
    [/^BUG: KASAN: double-free in t\.mms:4:1$/m],
  );
  reports(
    'early_init(_skernel - 1M, 1M)\nlet s = alloc(11, 1)\nwrite(s, "Hello, ArceOS")\n',
    "OutOfBounds",
    [/BUG: KASAN: out-of-bounds/, / which is early bytes of 11 bytes/],
  );
  reports(
    "let a = zone_alloc_pages(ZONE_NORMAL, 1, PAGE_KERNEL)\nzone_free_pages(a, 1)\nwrite8(a.addr_phys, 1)\n",
    "UseAfterFree",
    [/BUG: KASAN: use-after-free/, / which is zone pages of 2097152 bytes/],
  );
  reports(
    "let a = zone_alloc_pages(ZONE_NORMAL, 1, PAGE_KERNEL)\nzone_free_pages(a, 1)\nzone_free_pages(a, 1)\n",
    "DoubleFree",
    [/BUG: KASAN: double-free/],
  );
});

Deno.test("wild accesses: free memory, the kernel image, page tables; unchecked looks away", () => {
  reports("final_init()\nwrite8(phys_to_virt(0x8700_0000), 1)\n", "WildAccess", [
    /BUG: KASAN: wild-memory-access/,
    /no allocator handed this memory out/,
  ]);
  reports("write8(_skernel + 16, 1)\n", "WildAccess", [/it belongs to the kernel image/]);
  reports("let pt = new_page_table()\nread64(pt.root)\n", "WildAccess", [
    /it belongs to a page table/,
  ]);
  assert.equal(run("unchecked { write8(_skernel + 16, 1) }\nfinal_init()\n").code, 0);
  // Off, nothing is checked.
  assert.equal(
    run("final_init()\nlet k = kmalloc(64)\nkfree(k)\nwrite8(k, 1)\n", "--sanitize", "off").code,
    0,
  );
  assert.equal(run("print 1\n", "--sanitize", "maybe").code, 2);
});

Deno.test("reports in an included file show the include chain; JSON gets a kasan event", () => {
  const r = runScript(["main.mms", "--quiet"], {
    "main.mms": 'final_init()\ninclude "bug.mms"\n',
    "bug.mms": "let k = kmalloc(32)\nkfree(k)\nwrite8(k, 1)\n",
  });
  assert.equal(r.code, 1);
  assert.match(r.err.join("\n"), /BUG: KASAN: slab-use-after-free in bug\.mms:3:1/);
  assert.match(r.err.join("\n"), /included from main\.mms:2:1/);
  const json = runScript(["main.mms", "--json"], {
    "main.mms": "final_init()\nlet k = kmalloc(32)\nkfree(k)\nwrite8(k, 1)\n",
  });
  const event = json.out.map((l) => JSON.parse(l)).find((e) => e.event === "kasan");
  assert.equal(event?.kind, "UseAfterFree");
  assert.match(event?.message, /BUG: KASAN: slab-use-after-free/);
});

Deno.test("several CPUs: each report says which CPU allocated, freed and touched the object", () => {
  const head = 'kernel arceos = "2026-buddy-slab"\ncpus 3\nfinal_init()\nlet a = alloc(64, 8)\n';
  // A lane frees what CPU 0 allocated; CPU 1 writes to it afterwards.
  reports(
    head + "parallel {\n  cpu 1 { let b = alloc(128, 8) }\n  cpu 2 { dealloc(a, 64, 8) }\n}\n" +
      "on cpu 1 { write8(a, 1) }\n",
    "UseAfterFree",
    [
      /^Write of size 1 at addr ffffffc0[0-9a-f]+ by t\.mms:9:12 write8\(a, 1\) on cpu 1$/m,
      /^Allocated by: t\.mms:4:9 {2}alloc\(64, 8\) on cpu 0$/m,
      /^Freed by: {5}t\.mms:7:11 {2}dealloc\(a, 64, 8\) on cpu 2$/m,
    ],
  );
  // The same call on two CPUs is two sites: the second free is CPU 1's.
  reports(
    head + "proc free(p) { dealloc(p, 64, 8) }\non cpu 2 { free(a) }\non cpu 1 { free(a) }\n",
    "DoubleFree",
    [
      /^Free of addr ffffffc0[0-9a-f]+ by t\.mms:5:16 dealloc\(p, 64, 8\) on cpu 1$/m,
      /^Freed by: {5}t\.mms:5:16 {2}dealloc\(p, 64, 8\) on cpu 2$/m,
    ],
  );
  // All on CPU 0 (the platform has 4): the lines read as they always did.
  reports(head + "dealloc(a, 64, 8)\nwrite8(a, 1)\n", "UseAfterFree", [
    /^Write of size 1 at addr ffffffc0[0-9a-f]+ by t\.mms:6:1 write8\(a, 1\)$/m,
    /^Freed by: {5}t\.mms:5:1 {2}dealloc\(a, 64, 8\)$/m,
  ]);
  const leak = run(head + "on cpu 2 { alloc(32, 8) }\n", "--leak-check");
  assert.equal(leak.code, 1);
  assert.match(leak.err.join("\n"), /^ {2}allocated at t\.mms:5:12 {2}alloc\(32, 8\) on cpu 2$/m);
});

Deno.test("the leak check: reachable through a variable or another object; dropped ones leak", () => {
  const leaks = run(
    "final_init()\nlet a = kmalloc(96)\nlet b = kmalloc(32)\nwrite64(a, b)\nb = null\n" +
      "let c = alloc(48, 8)\nc = null\nlet d = kmalloc(256)\nexpect leaks() == 1\n",
    "--leak-check",
  );
  assert.equal(leaks.code, 1);
  const err = leaks.err.join("\n");
  assert.match(err, /^unreferenced object 0xffffffc080[0-9a-f]+ \(size 48\):$/m);
  assert.match(err, /^ {2}allocated at t\.mms:6:9 {2}alloc\(48, 8\)$/m);
  assert.match(err, /^ {2}hex dump \(first 32 bytes\):$/m);
  assert.match(err, /1 unreferenced object: t\.mms leaks/);
  const clean = run(
    "final_init()\nlet a = kmalloc(96)\nlet b = kmalloc(32)\nwrite64(a, b)\nb = null\n",
    "--leak-check",
  );
  assert.equal(clean.code, 0, clean.err.join("\n"));
  // A pointer stored in the kernel image is a root too.
  const image = run(
    "final_init()\nlet p = alloc(64, 8)\nunchecked { write64(_skernel + 8, p) }\np = null\nexpect leaks() == 0\n",
  );
  assert.equal(image.code, 0, image.err.join("\n"));
});

Deno.test("no change to any address: replays and scenarios give the same with the sanitizer on and off", () => {
  for (
    const name of ["boot.mms", "kmalloc_slabinfo.mms", "compare_allocators.mms", "dma_raspi4.mms"]
  ) {
    const on = runScript([name, "--quiet"]);
    const off = runScript([name, "--quiet", "--sanitize", "off"]);
    assert.equal(on.code, 0, on.err.join("\n"));
    assert.deepEqual(on.out, off.out, name);
  }
  const t = parseTrace("region 0x80000000 65536\na 0 100 8\nf 0\n", "t");
  assert.equal(
    formatReplay(t, replay(t, "tlsf")),
    "0 0x80000010\nstats total=65536 used=0 available=65536\n",
  );
});
