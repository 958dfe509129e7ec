// CPUs in the machine and the language: cpus, ram, on cpu, parallel, cpu();
// the ArceOS versions a kernel runs; bad input said at the line.
import assert from "node:assert/strict";
import { runScript } from "./run_helpers.ts";
import { getPlatform, PLATFORMS, withRamSize } from "../hal/platform.ts";

function run(code: string, ...flags: string[]) {
  return runScript(["t.mms", "--quiet", ...flags], { "t.mms": code });
}

function ok(code: string, ...flags: string[]): string[] {
  const r = run(code, ...flags);
  assert.equal(r.code, 0, r.err.join("\n"));
  return r.out;
}

Deno.test("cpus: platforms have harts; cpus N and cpu_count(); statements run on CPU 0", () => {
  for (const p of Object.values(PLATFORMS)) assert.equal(p.harts, 4, p.name);
  assert.deepEqual(ok("print cpu_count()\nprint cpu()"), ["4", "0"]);
  assert.deepEqual(ok("cpus 2\nprint cpu_count()"), ["2"]);
  // Blocks and lanes that are over give their CPUs back; a CPU still there may run on.
  assert.deepEqual(
    ok(
      "on cpu 3 { print 1 }\nparallel { cpu 2 { print 2 } }\non cpu 1 { cpus 2 }\nprint cpu_count()",
    ),
    ["1", "2", "2"],
  );
});

Deno.test("cpus: on cpu runs a block there and comes back; nested, in procedures", () => {
  const out = ok(
    "proc where() {\n  return cpu()\n}\non cpu 2 {\n  print where()\n  on cpu 3 { print cpu() }\n" +
      "  print cpu()\n}\nprint cpu()",
  );
  assert.deepEqual(out, ["2", "3", "2", "0"]);
  // A failure inside does not leave the script on that CPU.
  assert.deepEqual(
    ok("expect error ScriptError { on cpu 1 { let x = 1 / 0 } }\nprint cpu()"),
    ["0"],
  );
});

Deno.test("cpus: parallel interleaves lanes step by step, the same way for the same seed", () => {
  const code = "parallel {\n" +
    '  cpu 0 { for i in 0..4 { print "a{i}@{cpu()}" } }\n' +
    '  cpu 1 {\n    repeat 4 { print "b@{cpu()}" }\n  }\n' +
    '  cpu 3 { if true { print "c@{cpu()}" } }\n}\nprint "end@{cpu()}"';
  const orders = new Set<string>();
  for (const seed of ["1", "2", "3", "4", "5", "6"]) {
    const out = ok(code, "--seed", seed);
    assert.deepEqual(ok(code, "--seed", seed), out, "reproducible from the seed");
    assert.equal(out.length, 10);
    assert.equal(out.at(-1), "end@0");
    // Each lane keeps its own order and its CPU.
    assert.deepEqual(out.filter((l) => l.startsWith("a")), ["a0@0", "a1@0", "a2@0", "a3@0"]);
    assert.deepEqual(out.filter((l) => l.startsWith("b")), ["b@1", "b@1", "b@1", "b@1"]);
    assert.deepEqual(out.filter((l) => l.startsWith("c")), ["c@3"]);
    orders.add(out.join(" "));
  }
  assert.ok(orders.size > 1, "different seeds interleave differently");
});

Deno.test("cpus: bad CPU statements are errors at the line", () => {
  const cases: [string, RegExp][] = [
    ["cpus 0", /t\.mms:1:1: error: cpus takes 1 to 64, not 0/],
    ["cpus 65", /cpus takes 1 to 64, not 65/],
    [
      "on cpu 9 { print 1 }",
      /t\.mms:1:8: error: CPU 9 does not exist: this machine has CPUs 0 to 3/,
    ],
    // At the CPU's expression, not at the statement's start.
    ["parallel { cpu 1 {}\n cpu 4 { print 1 } }", /t\.mms:2:6: error: CPU 4 does not exist/],
    ['on cpu "x" { print 1 }', /t\.mms:1:8: error: 'cpu' needs integers, not string x/],
    ["parallel { gpu 1 { print 1 } }", /t\.mms:1:12: error: expected 'cpu' here, not 'gpu'/],
    ["on kpu 1 { print 1 }", /t\.mms:1:4: error: expected 'cpu' here, not 'kpu'/],
    [
      "final_init()\ncpus 2",
      /t\.mms:2:1: error: 'cpus 2' comes after the kernel started on 4 CPUs/,
    ],
    ["cpus -1", /t\.mms:1:1: error: cpus takes 1 to 64, not -1/],
    // A CPU something runs on cannot be taken away under it.
    [
      "on cpu 3 {\n  cpus 2\n}",
      /t\.mms:2:3: error: 'cpus 2' would take away CPU 3, which runs this/,
    ],
    ["on cpu 3 { on cpu 0 { cpus 3 } }", /'cpus 3' would take away CPU 3, which an 'on cpu' block/],
    [
      "parallel {\n  cpu 0 { cpus 2 }\n  cpu 3 { for i in 0..50 { let x = i } }\n}",
      /t\.mms:2:11: error: 'cpus 2' would take away CPU 3, which an 'on cpu' block or a lane runs on/,
    ],
    // A lane's return would end the procedure and drop the other lanes' steps.
    [
      "proc f() {\n  parallel {\n    cpu 0 { return 5 }\n    cpu 1 { print 1 }\n  }\n}",
      /t\.mms:3:13: error: 'return' inside a parallel lane: a lane cannot end its procedure/,
    ],
    ["ram 3", /t\.mms:1:1: error: .*RAM of 3 bytes: give whole MiB from 16 MiB to 16 GiB/],
    ["final_init()\nram 1G", /t\.mms:2:1: error: 'ram 1 GiB' comes after the machine started/],
    ['kernel arceos = "2027"', /kernel arceos must be the ArceOS version: "classic", "2026-tlsf"/],
    ["percpu_slabinfo()", /runs ArceOS classic, which has no per-CPU slabs/],
    ["final_init()\nusages()", /t\.mms:2:1: error: usages\(\): .*classic, which has no usage/],
    [
      'kernel arceos = "2026-tlsf"\nfinal_init()\nheap_buddyinfo()',
      /2026-tlsf, which has no buddy page allocator \(kernel arceos = "2026-buddy-slab" has one\)/,
    ],
    [
      'kernel arceos = "2026-buddy-slab"\nfinal_init()\nremote_pending(9)',
      /t\.mms:3:1: error: CPU 9 does not exist: this machine has CPUs 0 to 3/,
    ],
    [
      'kernel arceos = "2026-buddy-slab"\nfinal_init()\nremote_pending(-1)',
      /CPU -1 does not exist/,
    ],
    // The classic kernel's allocator settings contradict a 2026 version, in either order.
    [
      'kernel arceos = "2026-tlsf"\nkernel byte_allocator = "slab"',
      /t\.mms:2:1: error: kernel byte_allocator sets the classic ArceOS's allocators; this kernel runs ArceOS 2026-tlsf/,
    ],
    [
      'kernel page_capacity = 4G\nkernel arceos = "2026-buddy-slab"',
      /t\.mms:2:1: error: kernel arceos = "2026-buddy-slab" after kernel page_capacity = \.\.\./,
    ],
    [
      'kernel arceos = "2026-tlsf"\nkernel page_allocator = "p.wasm"',
      /t\.mms:2:1: error: kernel page_allocator sets/,
    ],
  ];
  for (const [code, want] of cases) {
    const r = run(code);
    assert.notEqual(r.code, 0, code);
    assert.match(r.err.join("\n"), want, code);
    assert.doesNotMatch(r.err.join("\n"), /\n\s+at /, "no stack trace");
  }
});

Deno.test("ram: QEMU's layouts, q35 split around the PCI hole, raspi4 around its peripherals", () => {
  const q35 = withRamSize(getPlatform("x86_64-qemu-q35"), 8n << 30n);
  assert.deepEqual(q35.ram.map((r) => [r.base, r.size]), [[0n, 2n << 30n], [4n << 30n, 6n << 30n]]);
  const small = withRamSize(getPlatform("x86_64-qemu-q35"), 1n << 30n);
  assert.deepEqual(small.ram.map((r) => [r.base, r.size]), [[0n, 1n << 30n]]);
  const rv = withRamSize(getPlatform("riscv64-qemu-virt"), 6n << 30n);
  assert.deepEqual(rv.ram.map((r) => [r.base, r.size]), [[0x8000_0000n, 6n << 30n]]);
  assert.deepEqual(
    ok("ram 512M\nprint phys_memory_size == 512M"),
    ["true"],
  );
  // raspi4: RAM below 4 GiB stops where the peripherals' window starts; the rest from 4 GiB.
  const pi = withRamSize(getPlatform("aarch64-raspi4"), 6n << 30n);
  assert.deepEqual(pi.ram.map((r) => [r.base, r.size]), [
    [0n, 0xfc00_0000n],
    [4n << 30n, (6n << 30n) - 0xfc00_0000n],
  ]);
  for (const m of pi.mmio) {
    assert.ok(pi.ram.every((r) => m.base + m.size <= r.base || r.base + r.size <= m.base), m.name);
  }
  assert.deepEqual(
    withRamSize(getPlatform("aarch64-raspi4"), 1n << 30n).ram.map((r) => [r.base, r.size]),
    [[0n, 1n << 30n]],
  );
  // DMA32 pages on it lie in RAM below 4 GiB, not among the device registers.
  const [phys] = ok(
    'platform aarch64-raspi4\nkernel arceos = "2026-buddy-slab"\nram 8G\nfinal_init()\n' +
      "print virt_to_phys(alloc_dma32_pages(4, 0))",
  );
  assert.ok(BigInt(phys) + 4n * 4096n <= 0xfc00_0000n, phys);
});

Deno.test("ArceOS versions: the 2026 ones panic where the real code does and say their names", () => {
  const tlsf = 'kernel arceos = "2026-tlsf"\nfinal_init()\n';
  assert.deepEqual(ok(tlsf + "print allocator_name()"), ["TLSF"]);
  let r = run(tlsf + "alloc_dma32_pages(1, 0)");
  assert.match(
    r.err.join("\n"),
    /t\.mms:3:1: kernel panic: not implemented: TLSF allocator does not support alloc_dma32_pages/,
  );
  r = run('kernel arceos = "2026-buddy-slab"\nfinal_init()\nalloc_pages_at(heap_start(), 1, 4096)');
  assert.match(
    r.err.join("\n"),
    /kernel panic: not implemented: buddy-slab allocator does not support alloc_pages_at/,
  );
  assert.deepEqual(
    ok(
      'kernel arceos = "2026-buddy-slab"\nfinal_init()\nprint allocator_name()\nprint heap_start() % 2M',
    ),
    ["buddy-slab-allocator", "0"],
  );
  // The classic kernel has no DMA32 call: said, not a crash.
  r = run("final_init()\nalloc_dma32_pages(1, 0)");
  assert.match(r.err.join("\n"), /the classic ArceOS has no alloc_dma32_pages/);
});

Deno.test("ArceOS versions: --allocator on a 2026 kernel is said to be ignored; classic takes it", () => {
  // (Without --quiet: the kernel's log says it.)
  const r = runScript(["t.mms", "--allocator", "slab"], {
    "t.mms": 'kernel arceos = "2026-tlsf"\nfinal_init()\nprint allocator_name()',
  });
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.ok(r.out.includes("TLSF"), r.out.join("\n"));
  assert.match(
    [...r.out, ...r.err].join("\n"),
    /--allocator slab ignored: ArceOS 2026-tlsf has its own global allocator/,
  );
  // A user's WebAssembly allocator given so: said once, by its path.
  const w = runScript(["t.mms", "--allocator", "examples/wasm/first_fit.wasm"], {
    "t.mms": 'kernel arceos = "2026-buddy-slab"\nfinal_init()\nprint allocator_name()',
  });
  assert.equal(w.code, 0, w.err.join("\n"));
  const said = [...w.out, ...w.err].filter((l) => l.includes("ignored"));
  assert.equal(said.length, 1, said.join("\n"));
  assert.match(
    said[0],
    /--allocator examples\/wasm\/first_fit\.wasm ignored: ArceOS 2026-buddy-slab/,
  );
  assert.deepEqual(
    ok(
      'kernel byte_allocator = "buddy"\nkernel arceos = "classic"\nfinal_init()\nprint allocator_name()',
    ),
    ["buddy"],
  );
});

Deno.test("ArceOS versions: usages() by kind on both 2026 versions, as ax-alloc counts them", () => {
  for (const version of ["2026-tlsf", "2026-buddy-slab"]) {
    const lines = ok(
      `kernel arceos = "${version}"\nfinal_init()\nlet a = alloc(100, 8)\n` +
        "let p = alloc_pages(2, 4096)\nprint usages()\ndealloc(a, 100, 8)\n" +
        "dealloc_pages(p, 2)\nprint usages()",
    );
    assert.deepEqual(lines, [
      "RustHeap: 100, VirtMem: 0, PageCache: 0, PageTable: 0, Dma: 0, Global: 8192",
      "RustHeap: 0, VirtMem: 0, PageCache: 0, PageTable: 0, Dma: 0, Global: 0",
    ], version);
  }
  const dma = ok(
    'kernel arceos = "2026-buddy-slab"\nfinal_init()\nlet d = alloc_dma32_pages(1, 0)\n' +
      "print usages()\ndealloc_pages(d, 1)\nprint usages()",
  );
  assert.deepEqual(dma, [
    "RustHeap: 0, VirtMem: 0, PageCache: 0, PageTable: 0, Dma: 4096, Global: 0",
    "RustHeap: 0, VirtMem: 0, PageCache: 0, PageTable: 0, Dma: 0, Global: 0",
  ]);
});

Deno.test("ArceOS versions: the sanitizer and the leak check work across CPUs", () => {
  const base = 'kernel arceos = "2026-buddy-slab"\ncpus 2\nfinal_init()\nlet a = alloc(64, 8)\n';
  // A use after a remote free is a use after free, though the object is only parked.
  let r = run(base + "on cpu 1 { dealloc(a, 64, 8) }\nwrite8(a, 1)");
  assert.equal(r.code, 1);
  assert.match(r.err.join("\n"), /use-after-free/i);
  // A double free across CPUs is reported, and nothing changes.
  r = run(base + "on cpu 1 { dealloc(a, 64, 8) }\ndealloc(a, 64, 8)");
  assert.equal(r.code, 1);
  assert.match(r.err.join("\n"), /t\.mms:6:1: .*(double free|not a live allocation)/i);
  // An object allocated on CPU 1 and lost is a leak.
  assert.deepEqual(
    ok(base + "on cpu 1 { let b = alloc(32, 8)\nb = null }\nexpect leaks() == 1\nprint leaks()"),
    ["1"],
  );
});

Deno.test("cpus: each lane's let and for variables are its own, as a task's locals are", () => {
  // Two lanes written alike (one copied and its CPU changed): a variable each.
  const lanes = [1, 2, 3].map((k) =>
    `  cpu ${k} {\n    let v = ${k}\n    for i in 0..4 { let a = alloc(64, 8); write64(a, v * 100 + i); ` +
    `expect read64(a) == v * 100 + i; dealloc(a, 64, 8) }\n    expect v == ${k}\n  }\n`
  ).join("");
  const source = 'kernel arceos = "2026-buddy-slab"\ncpus 4\nfinal_init()\nlet total = 0\n' +
    `parallel {\n${lanes}}\n` +
    // What was there before is shared: the script's variables, a procedure's.
    "parallel { cpu 1 { total = total + 1 } cpu 2 { total = total + 10 } }\nexpect total == 11\n" +
    "proc sum(n) {\n  let s = 0\n  parallel { cpu 0 { for i in 0..n { s = s + 1 } } " +
    "cpu 1 { for i in 0..n { s = s + 100 } } }\n  return s\n}\nexpect sum(3) == 303\n";
  for (const seed of ["1", "2", "3", "4"]) {
    const r = run(source, "--seed", seed);
    assert.equal(r.code, 0, `seed ${seed}:\n${r.err.join("\n")}`);
  }
  // After the parallel, a lane's variables are gone.
  const gone = run("parallel { cpu 1 { let mine = 5 } }\nprint mine\n");
  assert.equal(gone.code, 1);
  assert.match(gone.err.join("\n"), /t\.mms:2:1: error: 'mine' is not defined here/);
});

Deno.test("cpus: the leak check sees the variables of every lane, running or not", () => {
  const source = "final_init()\nparallel {\n" +
    "  cpu 1 { let p = alloc(64, 8)\n    repeat 6 { let z = 0 }\n    dealloc(p, 64, 8) }\n" +
    "  cpu 2 { repeat 6 { expect leaks() == 0 } }\n}\n";
  for (const seed of ["1", "2", "3"]) {
    const r = run(source, "--seed", seed, "--leak-check");
    assert.equal(r.code, 0, `seed ${seed}:\n${r.err.join("\n")}`);
  }
});
