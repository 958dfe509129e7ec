// ArceOS as it is in 2026 (tgoskits 759e69c): replaying the references in
// tests/fidelity/arceos-2026/ (copied from ../shared/fidelity/arceos-2026/,
// README included) and tests/fidelity/random-2026/ (random multi-CPU traces,
// tools/random_traces_2026.ts, printed by the same real code built natively)
// on ax-alloc's TLSF and buddy-slab global allocators prints byte for byte
// what the real code printed.
import assert from "node:assert/strict";
import { readTraceText } from "../cli/read_input.ts";
import { parseTrace } from "../trace/trace.ts";
import { AX_ALLOC_BUDDY_SLAB, AX_ALLOC_TLSF, formatReplay, replay } from "../trace/replay.ts";

const SETS = [
  { dir: new URL("fidelity/arceos-2026/", import.meta.url), least: { tlsf: 19, buddySlab: 26 } },
  { dir: new URL("fidelity/random-2026/", import.meta.url), least: { tlsf: 24, buddySlab: 24 } },
];

function references(dir: URL, allocator: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name)
    .filter((n) => n.endsWith(`.${allocator}.expected.gz`)).sort();
}

for (const { dir, least } of SETS) {
  const set = dir.pathname.split("/").at(-2);
  for (
    const [allocator, fewest] of [[AX_ALLOC_TLSF, least.tlsf], [
      AX_ALLOC_BUDDY_SLAB,
      least.buddySlab,
    ]] as const
  ) {
    const found = references(dir, allocator);
    Deno.test(`fidelity 2026: the ${set} references of ${allocator} are there`, () => {
      assert.ok(found.length >= fewest, `${found.length} references`);
    });
    for (const name of found) {
      const stem = name.slice(0, -`.${allocator}.expected.gz`.length);
      Deno.test(`fidelity 2026: ${stem} on ${allocator} matches the real code byte for byte`, async () => {
        const text = await readTraceText(new URL(`${stem}.trace.gz`, dir).pathname);
        const trace = parseTrace(text, stem);
        const want = await readTraceText(new URL(name, dir).pathname);
        assert.equal(formatReplay(trace, replay(trace, allocator)), want);
      });
    }
  }
}

Deno.test("fidelity 2026: tools/random_traces_2026.ts still draws the vendored random traces", async () => {
  // A change to the generator must come with references the real code printed for its new traces.
  const { randomTrace } = await import("../tools/random_traces_2026.ts");
  const dir = SETS[1].dir;
  for (const seed of [1, 2, 24]) {
    const vendored = await readTraceText(new URL(`random-${seed}.trace.gz`, dir).pathname);
    assert.equal(randomTrace(seed), vendored, `seed ${seed}`);
  }
});

Deno.test("fidelity 2026: ax-alloc-tlsf panics where the real code does (no DMA32 pages, no alloc_pages_at)", () => {
  const text = "cpus 2\noffset 0xffffffc000000000\nregion 0xffffffc080400000 0x400000\n" +
    "cpu 1\na 1 64 8\np 2 1 0x1000\nf 1\nd 3 1 0x1000\na 4 8 8\n";
  const trace = parseTrace(text, "dma32.trace");
  assert.equal(
    formatReplay(trace, replay(trace, AX_ALLOC_TLSF)),
    "region ok\n1 0xffffffc080400010\n2 0xffffffc080401000\n" +
      "panic: not implemented: TLSF allocator does not support alloc_dma32_pages\n",
  );
});

Deno.test("fidelity 2026: the trace headers and lines of CPUs are checked", () => {
  assert.throws(
    () => parseTrace("cpus 2\nregion 0x80000000 65536\ncpu 2\n", "t"),
    /CPU 2 is past the 'cpus 2' header/,
  );
  assert.throws(
    () => parseTrace("region 0x80000000 65536\ncpu 1\n", "t"),
    /t:2:5: CPU 1 needs a 'cpus N' header before 'region' \(without one the trace has CPU 0 only\)/,
  );
  assert.throws(() => parseTrace("region 0x80000000 65536\ncpus 2\n", "t"), /'cpus' is a header/);
  // Once each, as the real harness insists (it refuses a second one).
  assert.throws(
    () => parseTrace("cpus 2\ncpus 3\nregion 0x80000000 65536\n", "t"),
    /t:2:1: 'cpus' comes once/,
  );
  assert.throws(
    () => parseTrace("offset 0\noffset 0x1000\nregion 0x80000000 65536\n", "t"),
    /t:2:1: 'offset' comes once/,
  );
  assert.throws(
    () => parseTrace("cpus 65\nregion 0x80000000 65536\n", "t"),
    /'cpus' takes 1 to 64/,
  );
  const t = parseTrace(
    "cpus 4\noffset 0xffffffc000000000\nregion 0x80000000 65536\ncpu 3\na 1 8 8\n",
    "t",
  );
  assert.equal(t.cpus, 4);
  assert.equal(t.offset, 0xffffffc000000000n);
});
