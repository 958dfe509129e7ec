// Geometry the suite draws: regions of odd sizes and bases, added regions
// with gaps, alignments up to the region's size. A region is given with
// subject(base, size) or try_subject(base, size); the fuzzer draws one per
// sequence, and its reproducer starts there. WebAssembly regions keep every
// alignment of their simulated addresses.
import assert from "node:assert/strict";
import { fuzzSubject, reproducer } from "../conformance/fuzz.ts";
import { builtinTarget, type ConformanceScript, runConformance } from "../conformance/runner.ts";
import { LinearRegions } from "../mm/wasm/linear_memory.ts";
import { RoundedEndAllocator } from "./fixtures/rounded_end_allocator.ts";
import { StretchedPagesAllocator } from "./fixtures/stretched_pages_allocator.ts";

const script = (iface: string, source: string): ConformanceScript => ({
  path: "inline.mms",
  source,
  interface: iface,
  level: "contract",
});

Deno.test("geometry: subject(base, size) and try_subject, try_add_memory, count_in", () => {
  const source = `
contract "odd regions" {
  let h = subject(0x90000008, 1000)
  let p = h.alloc(100, 8)
  expect p >= 0x90000008 && p + 100 <= 0x90000008 + 1000
  expect h.total_bytes <= 1000
  let live = blocks()
  live.add(p, 100)
  expect live.count_in(0x90000008, 0x900003f0) == 1 && live.count_in(0x90001000, 0x90002000) == 0
  expect h.try_add_memory(0x90010000, 4097)
  expect error ScriptError { subject(0x90000000) }
}
contract "refused" {
  expect try_subject(0x90000008, 1000) == null
}`;
  const tlsf = runConformance(script("ByteAllocator", source), builtinTarget("tlsf")!);
  assert.equal(tlsf[0].ok, true, tlsf[0].failure);
  assert.equal(tlsf[1].ok, false, "TLSF takes a 1000-byte region");
  // The slab takes whole 32 KiB units at a page only: it refuses the region.
  const slab = runConformance(script("ByteAllocator", source), builtinTarget("slab")!);
  assert.match(slab[0].failure ?? "", /InvalidParam/);
  assert.equal(slab[1].ok, true, slab[1].failure);
});

Deno.test("geometry: the built-in models keep the geometry contracts at several seeds", () => {
  const cases: [string, string][] = [
    ["tlsf", "byte_allocator/geometry.mms"],
    ["buddy", "byte_allocator/geometry.mms"],
    ["slab", "byte_allocator/geometry.mms"],
    ["bitmap", "page_allocator/geometry.mms"],
    ["id", "id_allocator/contract.mms"],
  ];
  for (const [name, path] of cases) {
    const source = Deno.readTextFileSync(new URL(`../conformance/suite/${path}`, import.meta.url));
    const iface = /# interface: (\w+)/.exec(source)![1];
    for (const seed of [7n, 12345n]) {
      for (const row of runConformance(script(iface, source), builtinTarget(name)!, seed)) {
        assert.ok(row.ok, `${name} ${path} seed ${seed}: ${row.contract}: ${row.failure}`);
      }
    }
  }
});

Deno.test("geometry: the fuzzer draws the region, and the reproducer starts in it", () => {
  const subject = {
    name: "rounded_end",
    kind: "ByteAllocator" as const,
    make: () => new RoundedEndAllocator(),
  };
  const outcome = fuzzSubject(subject, { seed: 1, ms: 20_000 });
  assert.match(outcome.failure ?? "", /outside the memory given/);
  const text = reproducer("ByteAllocator", outcome, "test");
  // A region whose end is not a page (the default one is whole pages): drawn, or added.
  assert.match(text, /let h = try_subject\(0x[0-9a-f]+, \d+\)|try_add_memory\(0x[0-9a-f]+, \d+\)/);
  const onModel = runConformance(script("ByteAllocator", text), builtinTarget("tlsf")!);
  assert.ok(onModel.every((r) => r.ok), onModel.map((r) => r.failure).join("\n"));
  const onSubject = runConformance(script("ByteAllocator", text), {
    name: "rounded_end",
    builtin: false,
    subject,
  } as never);
  assert.ok(onSubject.some((r) => !r.ok), "the reproducer fails on the allocator");
});

Deno.test("geometry: a page allocator's added region with a gap: the gap is never handed out", () => {
  const subject = {
    name: "stretched",
    kind: "PageAllocator" as const,
    make: () => new StretchedPagesAllocator(),
  };
  const outcome = fuzzSubject(subject, { seed: 3, ms: 20_000 });
  assert.match(outcome.failure ?? "", /outside the memory given/);
  assert.match(reproducer("PageAllocator", outcome, "test"), /try_add_memory\(0x[0-9a-f]+, \d+\)/);
});

Deno.test("wasm: a small region keeps the alignments of its addresses past its own size", () => {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const r = new LinearRegions(memory, 4);
  // 4097 bytes at 0x...7000 hold 0x...8000, which is 32 KiB aligned: so is its translation.
  const start = 0x9000_7000;
  const at = r.place(start, 4097);
  const inside = 0x9000_8000;
  assert.equal(r.toLinear(inside) % 0x8000, 0, "32 KiB aligned in linear memory too");
  assert.ok((at - start) % 2 ** 31 === 0, "one translation modulo 2^31");
  // Back to back in the simulation: back to back in linear memory.
  assert.equal(r.place(start + 4097, 100), at + 4097);
  // Apart: apart, and the gap is not a region's.
  const far = r.place(0x9000_9100, 64);
  assert.equal(r.fromLinear(far - 1), -1);
  // Memory the module grew itself is never a region's.
  const own = memory.buffer.byteLength;
  memory.grow(1);
  const next = r.place(0x1000, 64);
  assert.ok(
    next + 64 <= own || next >= own + 65536,
    `placed on the module's own memory at ${next}`,
  );
});

Deno.test("wasm: a module that grows its own memory on every call passes with a warning and the numbers", async () => {
  const { deno } = await import("./run_helpers.ts");
  const run = (module: string) =>
    deno([
      "run",
      "--cached-only",
      "--allow-read",
      "--allow-run",
      "--unstable-worker-options",
      "cli/conformance.ts",
      "--allocator",
      module,
      "--script",
      "conformance/suite/byte_allocator/contract.mms",
    ]);
  const grows = await run("tests/fixtures/wasm/grows_every_call.wasm");
  assert.match(
    grows.out,
    /warning: .*grows_every_call\.wasm grew its own memory \d+ times in steady operation: from \d+ to \d+ pages of 64 KiB between its call 100 and call \d+/,
  );
  const steady = await run("examples/wasm/first_fit.wasm");
  assert.equal(steady.code, 0, steady.out + steady.err);
  assert.doesNotMatch(steady.out, /warning/);
});
