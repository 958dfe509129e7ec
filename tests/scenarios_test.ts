// Every shipped scenario runs, and its key output is what the models say.
import assert from "node:assert/strict";
import { runScript } from "./run_helpers.ts";
import { PLATFORMS } from "../hal/platform.ts";
import { BYTE_ALLOCATOR_KINDS } from "../mm/registry.ts";

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
  for (const a of BYTE_ALLOCATOR_KINDS) {
    const out = run("boot.mms", "--allocator", a);
    assert.match(out, new RegExp(`booted on riscv64-qemu-virt with ${a === "tlsf" ? "TLSF" : a}`));
  }
});

Deno.test("every scenario runs to ok on every allocator and platform, or says in one line why it does not apply", () => {
  const scripts = [...Deno.readDirSync(new URL("../scripts/", import.meta.url))]
    .map((e) => e.name).filter((n) => n.endsWith(".mms")).sort();
  const own: Record<string, string> = {};
  for (const name of scripts) {
    const text = Deno.readTextFileSync(new URL(`../scripts/${name}`, import.meta.url));
    own[name] = /^platform (\S+)/m.exec(text)?.[1] ?? "riscv64-qemu-virt";
  }
  for (const name of scripts) {
    for (const platform of Object.keys(PLATFORMS)) {
      for (const a of BYTE_ALLOCATOR_KINDS) {
        const r = runScript([name, "--quiet", "--platform", platform, "--allocator", a]);
        const what = `${name} --platform ${platform} --allocator ${a}`;
        assert.equal(r.code, 0, `${what}:\n${r.err.join("\n")}`);
        const skipped = r.out.filter((l) => l.startsWith("skipped: "));
        if (platform === own[name]) assert.deepEqual(skipped, [], what);
        else assert.ok(skipped.length <= 1, what);
        if (skipped.length === 1) assert.match(skipped[0], new RegExp(`${platform}`), what);
      }
    }
  }
});

Deno.test("every scenario that boots ArceOS says which ArceOS (kernel arceos = ...)", () => {
  for (const e of Deno.readDirSync(new URL("../scripts/", import.meta.url))) {
    if (!e.name.endsWith(".mms")) continue;
    const text = Deno.readTextFileSync(new URL(`../scripts/${e.name}`, import.meta.url));
    if (/\b(final_init|early_init|global_init)\(/.test(text)) {
      assert.match(text, /^kernel arceos = "[^"]+"/m, e.name);
    }
  }
});

Deno.test("scenario remote_frees.mms: buffers freed on CPUs 1-3 stay parked until CPU 0 drains them", () => {
  const out = run("remote_frees.mms");
  assert.match(out, /^ +0 +256 +0 +60 +4 +0 +4 +0 +4 +60 +0$/m);
  assert.match(out, /after one allocation on CPU 0: 45 buffers still parked/);
  assert.match(out, /all freed on CPU 0: \d+ pages in use/);
});

Deno.test("scenario dma32.mms: DMA32 pages below 4 GiB on q35 with 8 GiB", () => {
  const out = run("dma32.mms");
  assert.match(out, /DMA32 ring at phys 0x7fe00000/);
  assert.match(out, /DMA32 exhausted: 1018 blocks of 2 MiB, then 496 single pages/);
});

Deno.test("scenario out_of_memory_2026.mms: today's TLSF panics only when RAM is used up", () => {
  const out = run("out_of_memory_2026.mms");
  assert.match(out, /the panic came after 123 MiB of 124 MiB free/);
  const classic = run("out_of_memory.mms");
  assert.match(classic, /^48 MiB allocated/m);
  assert.doesNotMatch(classic, /^80 MiB allocated/m);
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
  // The frames are two zone pages the script allocated (the sanitizer wants memory it owns).
  assert.match(out, /TLB says 0x83000000, tables say 0x83200000/);
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
