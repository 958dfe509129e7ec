// What broke on first real use (issue 25), each as a user meets it: a halted
// kernel, assignments to undeclared names, every problem of a file at once,
// workloads independent of the allocator, addresses in hex, output of
// conformance scripts, long names.
import assert from "node:assert/strict";
import { runScript } from "./run_helpers.ts";

function runText(text: string, ...flags: string[]) {
  return runScript(["t.mms", "--quiet", ...flags], { "t.mms": text });
}

Deno.test("a caught panic halts the kernel: later calls say where and why it stopped", () => {
  const r = runText(
    "final_init()\nexpect error KernelPanic { alloc(1G, 8) }\nlet n = 1 + 1\nlet p = alloc(8, 8)\n",
  );
  assert.equal(r.code, 1);
  const err = r.err.join("\n");
  assert.match(
    err,
    /^t\.mms:4:1: error: the kernel halted at t\.mms:2: memory allocation of 1073741824 bytes/m,
  );
  assert.doesNotMatch(err, /kernel panicked/, "not the old panic again, as if it were new");
  const caught = runText(
    "final_init()\nexpect error KernelPanic { alloc(1G, 8) }\n" +
      'expect error KernelHalted { kmalloc(8) } "halted"\nprint "still scripting"\n',
  );
  assert.equal(caught.code, 0, caught.err.join("\n"));
});

Deno.test("an assignment to an undeclared name is an error at its line, with the closest name", () => {
  const r = runText("let count = 0\ncout = count + 1\nprint count\n");
  assert.equal(r.code, 2);
  assert.match(
    r.err.join("\n"),
    /^t\.mms:2:1: error: assignment to 'cout', which no let declares; did you mean 'count'\?/m,
  );
  // Declared later in the text: the checker accepts it, the run does not.
  const early = runText("x = 1\nlet x = 2\n");
  assert.equal(early.code, 1);
  assert.match(early.err.join("\n"), /^t\.mms:1:1: error: assignment to 'x' before a let/m);
  assert.equal(runText("let n = 0\nrepeat 3 { n = n + 1 }\nexpect n == 3\n").code, 0);
});

Deno.test("every problem of a file at once: an unclosed '{' at the brace, the checker's too, in order", () => {
  const r = runText("let a = 1\nif a > 0 {\n  print a\nkmaloc(3)\nlet y = 1 +* 2\nallocc(1, 8)\n");
  assert.equal(r.code, 2);
  const located = r.err.join("\n").split("\n").filter((l) => /^t\.mms:\d+:\d+: error/.test(l));
  assert.deepEqual(located.map((l) => l.replace(/: error: .*/, "")), [
    "t.mms:2:10",
    "t.mms:4:1",
    "t.mms:5:12",
    "t.mms:6:1",
  ]);
  assert.match(located[0], /this '\{' is never closed/);
  assert.match(located[1], /unknown function 'kmaloc'; did you mean 'kmalloc'\?/);
});

Deno.test("a suggestion prefers the names in scope: a parameter before a builtin", () => {
  const r = runText("proc f(a) {\n  return b\n}\nprint f(1)\n");
  assert.match(r.err.join("\n"), /unknown name 'b'; did you mean 'a'\?/);
});

Deno.test("messages say an error's code once, and always say it", () => {
  const dup = runText("final_init()\nexpect error NoMemory { alloc(8, 3) }\n");
  assert.match(
    dup.err.join("\n"),
    /expected error NoMemory, got InvalidParam: alignment 3 is not a power of two/,
  );
  const canonical = runText(
    "final_init()\nlet pt = new_page_table()\n" +
      "pt.map(0x0000_8000_0000_0000, 0x8000_0000, 4K, MAP_READ, true, true)\n",
  );
  assert.match(
    canonical.err.join("\n"),
    /t\.mms:3:1: error: EFAULT: 0x800000000000 is not a canonical/,
  );
});

Deno.test("the same script and seed give the same workload on every allocator (picks follow the workload)", () => {
  const script = "final_init()\nlet live = blocks()\nrepeat 300 {\n  if live.count > 20 {\n" +
    "    let v = live.pick()\n    dealloc(v, live.size_of(v), 8)\n    live.remove(v)\n" +
    "  } else {\n    let n = rand(8, 3000)\n    let p = alloc(n, 8)\n    expect live.add(p, n)\n" +
    "  }\n}\n";
  const traces = ["buddy", "tlsf", "slab"].map((a) => {
    const r = runText(script, "--seed", "5", "--allocator", a, "--trace", "t.trace");
    assert.equal(r.code, 0, r.err.join("\n"));
    return r.written.get("t.trace")!;
  });
  assert.ok(traces[0].split("\n").filter((l) => l.startsWith("f ")).length > 100);
  assert.equal(traces[1], traces[0], "TLSF's workload is buddy's");
  assert.equal(traces[2], traces[0], "slab's workload is buddy's");
});

Deno.test("blocks().add past 2^64 is an error at the line", () => {
  const r = runText("let b = blocks()\nb.add(0xffff_ffff_ffff_fff0, 0x20)\n");
  assert.equal(r.code, 1);
  assert.match(r.err.join("\n"), /t\.mms:2:1: error: AddressRange: blocks\(\)\.add.*past 2\^64/);
});

Deno.test("suggestions are bounded by length: a 100,000-character name with a typo", () => {
  const name = "a".repeat(100_000);
  const typo = "a".repeat(50_000) + "b" + "a".repeat(49_999);
  const r = runText(`let ${name} = 1\nprint ${typo}\nprint ${typo}x\n`);
  assert.equal(r.code, 2);
  const err = r.err.join("\n");
  assert.match(err, /unknown name 'a{40}\.\.\.\(100000 characters\)'\n/);
  assert.doesNotMatch(err, /did you mean/);
  // Names of an ordinary length still get one.
  const short = "x".repeat(60);
  const near = runText(`let ${short} = 1\nprint ${short.slice(1)}y\n`);
  assert.match(near.err.join("\n"), new RegExp(`did you mean '${short}'`));
});

Deno.test("a single page comes back 4 KiB aligned, as the real crate does, and mmsim says so at the line", () => {
  const r = runText(
    "final_init()\nlet a = alloc_pages(1, 4K)\nrepeat 3 { let p = alloc_pages(1, 64K) }\n" +
      "let g = page_alloc_contiguous(1, 64K)\nlet d = alloc_coherent(4K, 64K)\n" +
      "let ok = alloc_pages(2, 64K)\nexpect ok % 64K == 0\n",
  );
  assert.equal(r.code, 0, r.err.join("\n"));
  const warnings = r.err.join("\n").split("\n").filter((l) => l.includes(": warning: "));
  assert.deepEqual(warnings.map((l) => l.split(": warning: ")[0]), [
    "t.mms:3:20",
    "t.mms:4:9",
    "t.mms:5:9",
  ], "once per call site, and not for an aligned run");
  assert.match(
    warnings[0],
    /alloc_pages\(1, 65536\) returned 0x[0-9a-f]+, aligned only to \d+ KiB, not 64 KiB: the real BitmapPageAllocator/,
  );
  assert.match(warnings[2], /^t\.mms:5:9: warning: alloc_coherent\(4096, 65536\)/);
  const json = runText(
    "final_init()\nlet a = alloc_pages(1, 4K)\nlet p = alloc_pages(1, 64K)\n",
    "--json",
  );
  const events = json.out.map((l) => JSON.parse(l));
  const w = events.find((e) => e.event === "warning");
  assert.deepEqual([w.file, w.line, w.column], ["t.mms", 3, 9]);
});

Deno.test("DMA masks: a buffer the device cannot reach is refused at the line", () => {
  const narrow = runText("final_init()\nlet d = alloc_coherent(4K, 4K, 20)\n");
  assert.equal(narrow.code, 1);
  assert.match(
    narrow.err.join("\n"),
    /t\.mms:2:1: error: NoMemory: DMA buffer at physical 0x[0-9a-f]+ ends at bus address 0x[0-9a-f]+, past the device's 20-bit DMA mask 0xfffff/,
  );
  assert.equal(runText("final_init()\nlet d = alloc_coherent(4K, 4K, 32)\n").code, 0);
  // Raspberry Pi 4: the bus offset puts RAM past its first GiB beyond a 32-bit mask.
  const pi = runText(
    "platform aarch64-raspi4\nfinal_init()\nlet fill = alloc_pages(270000, 4K)\n" +
      "expect error NoMemory { alloc_coherent(8K, 4K) }\nlet wide = alloc_coherent(8K, 4K, 40)\n",
  );
  assert.equal(pi.code, 1, "the platform's own DMA limit still holds with a wide mask");
  assert.match(pi.err.join("\n"), /t\.mms:5:1: .*DMA limit 0x40000000/);
  assert.match(
    runText("final_init()\nlet d = alloc_coherent(4K, 4K, 70)\n").err.join("\n"),
    /InvalidParam: a DMA mask of 70 bits/,
  );
});

Deno.test("the sanitizer names where freed pages were allocated and freed, for every kind of page", () => {
  const cases: [string, RegExp, RegExp][] = [
    [
      "final_init()\nlet a = alloc_pages(1, 4K)\nlet b = alloc_pages(1, 4K)\ndealloc_pages(a, 1)\n" +
      "dealloc_pages(b, 1)\nwrite8(virt_to_phys(b) + 16, 1)\n",
      /Allocated by: t\.mms:3:9 +alloc_pages\(1, 4K\)/,
      /Freed by: +t\.mms:5:1 +dealloc_pages\(b, 1\)/,
    ],
    [
      "final_init()\nlet p = alloc_pages(2, 4K)\ndealloc_pages(p, 2)\nwrite8(virt_to_phys(p) + 4K, 1)\n",
      /Allocated by: t\.mms:2:9 +alloc_pages\(2, 4K\)/,
      /Freed by: +t\.mms:3:1 +dealloc_pages\(p, 2\)/,
    ],
    [
      "final_init()\nlet g = page_alloc_contiguous(2, 4K)\ng.release()\ng.write8(4K + 16, 1)\n",
      /Allocated by: t\.mms:2:9 +page_alloc_contiguous\(2, 4K\)/,
      /Freed by: +t\.mms:3:1 +g\.release\(\)/,
    ],
    [
      "let a = zone_alloc_pages(ZONE_NORMAL, 2, 0)\nzone_free_pages(a, 2)\n" +
      "write8(a.addr_phys + 2M + 16, 1)\n",
      /Allocated by: t\.mms:1:9 +zone_alloc_pages/,
      /Freed by: +t\.mms:2:1 +zone_free_pages\(a, 2\)/,
    ],
    [
      "final_init()\nlet d = alloc_coherent(8K, 4K)\nlet pa = virt_to_phys(d.cpu_addr)\n" +
      "dealloc_coherent(d)\nwrite8(pa + 4K + 16, 1)\n",
      /Allocated by: t\.mms:2:9 +alloc_coherent\(8K, 4K\)/,
      /Freed by: +t\.mms:4:1 +dealloc_coherent\(d\)/,
    ],
  ];
  for (const [script, allocated, freed] of cases) {
    const r = runText(script);
    const err = r.err.join("\n");
    assert.equal(r.code, 1, script);
    assert.match(err, /BUG: KASAN: use-after-free/, script);
    assert.match(err, allocated, script);
    assert.match(err, freed, script);
  }
});

Deno.test("addresses print in hex on every platform, however small; sizes and counts in decimal", () => {
  const r = runText(
    "platform x86_64-qemu-q35\nfinal_init()\nlet p = alloc(64, 8)\nlet pa = virt_to_phys(p)\n" +
      'print pa\nprint "at {pa + 16}, size {pa + 16 - pa}, heap {heap_start()}"\n' +
      "let d = alloc_coherent(8K, 4K)\nprint d.bus_addr\nlet n = 100\nprint n\nprint kernel_paddr\n" +
      'print align_up(pa + 1, 4K)\nprint len("abc")\n',
  );
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.deepEqual(r.out, [
    "0x400010",
    "at 0x400020, size 16, heap 0xffff800000400000",
    "0x408000",
    "100",
    "0x200000",
    "0x401000",
    "3",
  ]);
  const pi = runText(
    "platform aarch64-raspi4\nfinal_init()\nprint virt_to_phys(alloc_pages(1, 4K))\n",
  );
  assert.match(pi.out[0], /^0x[0-9a-f]+$/);
});

Deno.test("print escapes control characters on a terminal, and nowhere else", async () => {
  const { main } = await import("../cli/run.ts");
  const text = 'print "title\\x1b]0;pwned\\x07 clear\\x1b[2J\\nnext line"\n';
  const run = (terminal: boolean, ...flags: string[]) => {
    const out: string[] = [];
    const code = main(["t.mms", "--quiet", ...flags], {
      out: (l) => out.push(l),
      err: () => {},
      read: () => text,
      write: () => {},
      exists: () => true,
      color: false,
      terminal,
      canWrite: () => false,
    });
    assert.equal(code, 0);
    return out;
  };
  assert.deepEqual(run(true), ["title\\x1b]0;pwned\\x07 clear\\x1b[2J\nnext line"]);
  assert.deepEqual(run(false), ["title\x1b]0;pwned\x07 clear\x1b[2J\nnext line"]);
  const json = run(true, "--json").map((l) => JSON.parse(l)).find((e) => e.event === "print");
  assert.equal(json.text, "title\x1b]0;pwned\x07 clear\x1b[2J\nnext line", "--json stays exact");
});
