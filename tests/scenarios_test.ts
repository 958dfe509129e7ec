// Every shipped scenario runs, and its key output is what the models say.
import assert from "node:assert/strict";
import { runScript } from "./run_helpers.ts";

function run(name: string, ...flags: string[]) {
  const r = runScript([name, "--quiet", ...flags]);
  assert.equal(r.code, 0, `${name} failed:\n${r.err.join("\n")}`);
  return r.out.join("\n");
}

Deno.test("scenario boot.mms: the tutorial's Hello, then the switch", () => {
  const out = run("boot.mms");
  assert.match(out, /^Hello, ArceOS!\[from String\]$/m);
  assert.match(out, /booted on riscv64-qemu-virt with TLSF/);
});

Deno.test("scenario boot.mms runs on every byte allocator", () => {
  for (const a of ["slab", "buddy"]) {
    const r = runScript(["boot.mms", "--quiet", "--allocator", a]);
    // The script expects TLSF by name: the override shows in that expectation.
    assert.equal(r.code, 1);
    assert.match(r.err.join("\n"), new RegExp(`allocator_name\\(\\) = ${a}`));
  }
});

Deno.test("scenario early_to_final.mms: early allocations survive the switch", () => {
  const out = run("early_to_final.mms");
  assert.match(
    out,
    /early bytes at 0xffffffc080100000, 0xffffffc080100068; early pages at 0xffffffc0801fe000/,
  );
  assert.match(out, /switch done: \d+ pages free/);
});

Deno.test("scenario compare_allocators.mms: one workload, three answers", () => {
  const out = run("compare_allocators.mms");
  assert.match(out, /used: slab 87232, buddy 9376, TLSF 6114/);
  assert.match(out, /tlsf:\n {2}a=0x90000010 b=0x90000050/);
});

Deno.test("scenario dma_raspi4.mms: bus addresses carry the 0xC000_0000 offset", () => {
  const out = run("dma_raspi4.mms");
  assert.match(out, /ring: cpu 0xffff0000[0-9a-f]+ bus 0xc[0-9a-f]{7}/);
  assert.match(out, /DMA ok: bus offset 0xc0000000/);
});

Deno.test("scenario kmalloc_slabinfo.mms: slabinfo and buddyinfo", () => {
  const out = run("kmalloc_slabinfo.mms");
  assert.match(out, /^slabinfo - version: 2\.1$/m);
  assert.match(out, /^kmalloc-1024k +3 +4 +1048576 +2 +512 : tunables/m);
  assert.match(out, /^Node 0, zone {3}Normal/m);
});

Deno.test("scenario page_tables_tlb.mms: a stale translation until the flush", () => {
  const out = run("page_tables_tlb.mms");
  assert.match(out, /TLB says 0x86000000, tables say 0x87000000/);
  assert.match(out, /TLB: 2 hits, 2 misses, 2 flushes/);
});

Deno.test("scenario out_of_memory.mms: the doubling heap panics with memory left", () => {
  const out = run("out_of_memory.mms");
  assert.match(out, /^48 MiB allocated, 15608 pages free$/m);
});

Deno.test("scenarios: the same seed gives the same output, byte for byte", () => {
  const a = runScript(["boot.mms", "--seed", "7"]);
  const b = runScript(["boot.mms", "--seed", "7"]);
  assert.deepEqual(a.out, b.out);
  assert.equal(a.code, 0);
});
