// What a kernel developer trips over: call arguments, the integer model, the
// simulated kernels' own rules, and the smaller things a user notices.
import assert from "node:assert/strict";
import { main, type RunIo } from "../cli/run.ts";
import { builtinTarget, parseHeader, runConformance } from "../conformance/runner.ts";
import { runScript } from "./run_helpers.ts";

const run = (source: string, ...args: string[]) =>
  runScript(["t.mms", "--quiet", ...args], { "t.mms": source });

function fails(source: string, message: RegExp, at = /^t\.mms:\d+:\d+: /): void {
  const r = run(source);
  assert.equal(r.code, 1, `${source}\n${r.out.join("\n")}`);
  assert.match(r.err[0], at);
  assert.match(r.err[0], message);
  assert.doesNotMatch(r.err.join("\n"), /TypeError|\n\s+at /);
}

Deno.test("method calls: missing or extra arguments are located errors naming the parameters", () => {
  fails(
    'let h = new_allocator("tlsf", 0x9000_0000, 64K)\nlet p = h.alloc(16, 8)\nh.dealloc(p, 100)\n',
    /h\.dealloc\(ptr, size, align\) takes 3 arguments, got 2/,
  );
  fails(
    "final_init()\nlet g = page_alloc()\ng.fill()\n",
    /g\.fill\(byte\) takes 1 argument, got 0/,
  );
  fails("let pt = new_page_table()\npt.translate()\n", /pt\.translate\(vaddr\) takes 1 argument/);
  fails(
    'let h = new_allocator("tlsf", 0x9000_0000, 64K)\nh.alloc(16, 8, 1)\n',
    /h\.alloc\(size, align\) takes 2 arguments, got 3/,
  );
  fails("let f = kmalloc\nf(1, 2, 3)\n", /kmalloc\(size, gfp\?\) takes 1 to 2 arguments, got 3/);
});

Deno.test("mmsim's own messages, never JavaScript's: alignment 0, a host error is not InvalidArgument", () => {
  fails("print align_up(5, 0)\n", /align 0 must be positive/);
  fails("print is_aligned(5, 0)\n", /align 0 must be positive/);
  assert.equal(run("expect error InvalidArgument { align_down(5, 0) }\n").code, 0);
});

Deno.test("--trace to a missing directory, a directory or a read-only place fails before the run", () => {
  for (const target of ["/nonexistent-dir/x.trace", "/tmp"]) {
    const out: string[] = [];
    const err: string[] = [];
    const io: RunIo = {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      read: () => 'print "ran"\nfinal_init()\n',
      write: (p, t) => Deno.writeTextFileSync(p, t),
      exists: () => true,
      color: false,
      canWrite: () => true,
    };
    assert.equal(main(["t.mms", "--trace", target], io), 2);
    assert.deepEqual(out, [], "the script did not run");
    assert.match(err[0], new RegExp(`cannot write the trace to ${target}`));
  }
});

Deno.test("one integer model: ~, hex and bit operators on the 64-bit pattern; equality by pattern", () => {
  const r = run(
    "print ~0\nprint hex(~0)\nprint hex(-1)\nprint dec(-1)\nprint -16 >> 2\n" +
      "expect ~0 == 0xffff_ffff_ffff_ffff && ~0 == -1 && -1 < 0\n" +
      "final_init()\nlet p = alloc(8, 8)\nwrite64(p, -1)\nexpect read64(p) == 0xffff_ffff_ffff_ffff\n" +
      "expect error InvalidArgument { write8(p, 256) }\n",
  );
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.deepEqual(r.out, [
    "0xffffffffffffffff",
    "0xffffffffffffffff",
    "0xffffffffffffffff",
    "-1",
    "0x3ffffffffffffffc",
  ]);
  const seed = runScript(["t.mms", "--seed", String((1n << 64n) + 1n)], { "t.mms": "print 1\n" });
  assert.equal(seed.code, 2);
  assert.match(seed.err[0], /--seed takes a non-negative integer.*below 2\^64/);
});

Deno.test("reading the machine does not choose the kernel", () => {
  const r = run(
    "print memory_map()\nunchecked { print read64(phys_memory_base + 16M) }\nprint used_pages()\n" +
      'print memory_attribute(_skernel)\nexpect boot_stage() == "boot"\n' +
      "let k = kmalloc(64)\nexpect k != null\nkfree(k)\n",
  );
  assert.equal(r.code, 0, r.err.join("\n"));
  // And what does start a kernel decides, with a message that says so.
  fails(
    "early_init(_skernel - 1M, 1M)\nlet k = kmalloc(64)\n",
    /ArceOS allocators have started \(stage early\)/,
  );
});

Deno.test("early and global memory never overlap: an error naming both owners", () => {
  fails(
    "platform x86_64-qemu-q35\nearly_init(_skernel - 1M, 1M)\nlet s = alloc(16, 8)\nfinal_init()\n",
    /global_add_memory: \[0xffff800000100000, 0xffff800000200000\) for the global allocator overlaps the early allocator's heap/,
  );
  fails(
    "early_init(phys_to_virt(0x8040_0000), 1M)\nglobal_init(phys_to_virt(0x8040_0000), 8M)\n",
    /global_init: .* overlaps the early allocator's heap/,
  );
  assert.equal(
    run("early_init(_skernel - 1M, 1M)\nlet s = alloc(16, 8)\nfinal_init()\ndealloc(s, 16, 8)\n")
      .code,
    0,
  );
});

Deno.test("DragonOS free_pages is as careful as kfree", () => {
  const r = run(`
let a = zone_alloc_pages(ZONE_NORMAL, 2, PAGE_KERNEL)
let b = zone_alloc_pages(ZONE_NORMAL, 1, PAGE_KERNEL)
expect b.addr_phys == a.addr_phys + 2 * PAGE_2M_SIZE
expect error InvalidFree { zone_free_pages(a, 3) }      # would free b, a neighbour's live page
expect b.attr != 0
let c = zone_alloc_pages(ZONE_NORMAL, 1, PAGE_KERNEL)
expect c.addr_phys != b.addr_phys
zone_free_pages(a, 1)                                  # a partial free, as the bitmap allows
expect error DoubleFree { zone_free_pages(a, 1) }
zone_free_pages(b, 1)
expect error DoubleFree { zone_free_pages(b, 1) }
`);
  assert.equal(r.code, 0, r.err.join("\n"));
});

Deno.test("kmalloc returns NULL when memory is short, as the C original does", () => {
  const r = run(
    "final_init()\nlet hog = alloc_pages(available_pages() - 4000, 4K)\n" +
      "expect kmalloc(64) == null\nexpect kzalloc(64) == null\n" +
      "expect zone_alloc_pages(ZONE_NORMAL, 1, 0) == null\n",
    "--quiet",
  );
  assert.equal(r.code, 0, r.err.join("\n"));
  const logged = runScript(["t.mms"], {
    "t.mms":
      "final_init()\nlet hog = alloc_pages(available_pages() - 4000, 4K)\nprint kmalloc(64)\n",
  });
  assert.match(logged.out.join("\n"), /kmalloc: the DragonOS memory manager cannot start/);
});

Deno.test("page tables: a physical address wider than the format holds, kfree of a table frame", () => {
  const r = run(`
let pt = new_page_table()
expect mm_map_proc_page_table(pt, true, 0x4000_0000, 1 << 56, 4K, MAP_READ, false, true, true) == -EFAULT
expect error EFAULT { pt.map(0x4000_0000, 1 << 56, 4K, MAP_READ, true) }
expect pt.mappings() == 0
expect error InvalidFree { kfree(phys_to_virt(pt.root)) }
expect pt.table_frames == 1
`);
  assert.equal(r.code, 0, r.err.join("\n"));
});

Deno.test("raspi4 DMA buffers stay below its 1 GiB DMA limit", () => {
  const r = run(`
platform aarch64-raspi4
final_init()
let low = alloc_coherent(16K, 4K)
expect virt_to_phys(low.cpu_addr) + 16K <= 0x4000_0000
let hog = alloc_pages(0x4_0000, 4K)
let before = available_pages()
expect error NoMemory { alloc_coherent(16K, 4K) } "past the DMA limit"
expect available_pages() == before                    # the pages went back
`);
  assert.equal(r.code, 0, r.err.join("\n"));
});

Deno.test("smaller things: escapes, len in bytes, procs named like builtins, expect error messages", () => {
  const esc = run('print "a\\qb"\n');
  assert.equal(esc.code, 2);
  assert.match(esc.err[0], /t\.mms:1:9: error: unknown escape '\\q'/);
  const bytes = run(
    'final_init()\nlet s = "héllo ☃"\nlet p = alloc(64, 8)\nwrite(p, s)\nexpect read_str(p, len(s)) == s\nprint len(s)\n',
  );
  assert.deepEqual([bytes.code, bytes.out], [0, ["10"]]);
  const proc = run("proc alloc(n) { return n }\n");
  assert.equal(proc.code, 2);
  assert.match(proc.err[0], /proc alloc would hide the builtin alloc/);
  const message = run('expect error NoMemory { let x = 1 } "the heap is {8} pages"\n');
  assert.equal(message.code, 1);
  assert.match(
    message.err[0],
    /expected error NoMemory \(the heap is 8 pages\), but the block ran without one/,
  );
  const doc = Deno.readTextFileSync(new URL("../docs/LANGUAGE.md", import.meta.url));
  assert.match(doc, /^\| `while cond \{ \.\.\. \}` /m);
  assert.match(doc, /^\| `contract "name" \{ \.\.\. \}` /m);
});

Deno.test("JUnit times are each contract's own, not a running total", () => {
  const script = parseHeader(
    "timed.mms",
    "# interface: ByteAllocator\n# level: contract\n" +
      'contract "slow" { let h = subject(); repeat 20000 { h.dealloc(h.alloc(64, 8), 64, 8) } }\n' +
      'contract "quick" { let h = subject() }\n',
  );
  const [slow, quick] = runConformance(script, builtinTarget("tlsf")!);
  assert.ok(slow.ok && quick.ok);
  assert.ok(quick.ms < slow.ms, `quick ${quick.ms} ms, slow ${slow.ms} ms`);
});

Deno.test("mm_stat().total and meminfo's MemTotal are the same thing: the normal zone", () => {
  const r = run("let k = kmalloc(64)\nprint mm_stat().total / 1024\nprint meminfo()\n");
  assert.equal(r.code, 0, r.err.join("\n"));
  const total = r.out[0];
  assert.match(r.out.join("\n"), new RegExp(`MemTotal: +${total} kB`));
  assert.match(r.out.join("\n"), /DMATotal: +\d+ kB/);
});
