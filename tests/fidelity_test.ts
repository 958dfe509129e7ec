// The fidelity contract: replaying every shared trace prints byte for byte
// what the real Rust crates printed. The traces ship in tests/fidelity/; when
// the workplace's ../shared/fidelity/ is beside the repository, its files are
// used too (and take precedence), so new reference traces are picked up.
import assert from "node:assert/strict";
import { readTraceText } from "../cli/read_input.ts";
import { parseTrace } from "../trace/trace.ts";
import { formatReplay, isReplayAllocatorName, replay } from "../trace/replay.ts";

const dirs = [
  new URL("../../shared/fidelity/", import.meta.url),
  new URL("./fidelity/", import.meta.url),
];

function listExpected(): Map<string, URL> {
  const found = new Map<string, URL>();
  for (const dir of dirs) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.name.endsWith(".expected.gz") && !found.has(e.name)) {
        found.set(e.name, new URL(e.name, dir));
      }
    }
  }
  return found;
}

const expected = listExpected();

Deno.test("fidelity: the reference traces are there", () => {
  for (const a of ["buddy", "slab", "tlsf", "bitmap", "buddy.w32", "slab.w32", "tlsf.w32"]) {
    assert.ok(
      [...expected.keys()].some((n) => n.endsWith(`.${a}.expected.gz`)),
      `no expected output for ${a}`,
    );
  }
});

for (const [name, url] of [...expected].sort()) {
  // NAME.ALLOCATOR[.w32].expected.gz, the trace is NAME.trace.gz beside it;
  // .w32 is what the crate printed when built for wasm32 (4-byte pointers).
  // global-* traces run on the global allocator built with that byte allocator.
  const m = /^(.*)\.([a-z]+)\.(w32\.)?expected\.gz$/.exec(name);
  if (m === null) continue;
  const traceName = m[1];
  const pointerWidth = m[3] === undefined ? 8 : 4;
  const allocator = traceName.startsWith("global") ? `global:${m[2]}` : m[2];
  if (!isReplayAllocatorName(allocator)) {
    Deno.test(`fidelity: ${name} names an allocator mmsim knows`, () => {
      assert.fail(`no replay allocator '${allocator}' for ${name}`);
    });
    continue;
  }
  const variant = pointerWidth === 4 ? " (32-bit)" : "";
  Deno.test(`fidelity: ${traceName} on ${allocator}${variant} matches the real crate byte for byte`, async () => {
    const traceUrl = new URL(`${traceName}.trace.gz`, url);
    const trace = parseTrace(await readTraceText(traceUrl.pathname), traceName);
    const got = formatReplay(trace, replay(trace, allocator, { pointerWidth }));
    const want = await readTraceText(url.pathname);
    if (got !== want) {
      const g = got.split("\n");
      const w = want.split("\n");
      const i = g.findIndex((line, k) => line !== w[k]);
      assert.fail(`first difference at output line ${i + 1}: got '${g[i]}', want '${w[i]}'`);
    }
  });
}

Deno.test("fidelity: replaying into a reused results buffer prints what a fresh replay prints", async () => {
  const read = async (name: string) =>
    parseTrace(
      await readTraceText(new URL(`./fidelity/${name}.trace.gz`, import.meta.url).pathname),
      name,
    );
  const churn = await read("bytes-churn-1");
  const mixed = await read("bytes-mixed-1");
  // Longer than either trace, and full of what no replay writes.
  const buffer = new Float64Array(Math.max(churn.length, mixed.length) + 7).fill(12345.5);
  for (const allocator of ["buddy", "slab", "tlsf"]) {
    for (const trace of [churn, mixed, churn]) {
      const fresh = replay(trace, allocator);
      const reused = replay(trace, allocator, { results: buffer });
      assert.equal(reused.results.length, trace.length);
      assert.equal(reused.results.buffer, buffer.buffer, "the results are a view of the buffer");
      assert.deepEqual(reused.results, fresh.results, `${allocator} on ${trace.name}`);
      assert.equal(formatReplay(trace, reused), formatReplay(trace, fresh));
    }
  }
  // The loop a replay makes for a trace and a buffer is kept for them:
  // another buffer gets a loop of its own and the first one is left alone.
  for (const allocator of ["tlsf", "slab"]) {
    const fresh = replay(churn, allocator).results;
    const mine = new Float64Array(churn.length);
    const other = new Float64Array(churn.length).fill(7);
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(replay(churn, allocator, { results: mine }).results, fresh);
      const before = mine.slice();
      assert.deepEqual(replay(churn, allocator, { results: other }).results, fresh);
      assert.deepEqual(mine, before, `${allocator}: a replay into another buffer wrote into mine`);
      other.fill(7);
    }
  }
  assert.throws(
    () => replay(churn, "buddy", { results: new Float64Array(churn.length - 1) }),
    (e: unknown) =>
      e instanceof RangeError &&
      /results buffer holds \d+ operations, the trace \d+/.test(e.message),
  );
});

Deno.test("fidelity: a TLSF replay after others (its block tables handed on) prints what a first one does", async () => {
  const { readTraceText } = await import("../cli/read_input.ts");
  const { parseTrace } = await import("../trace/trace.ts");
  const { formatReplay, replay } = await import("../trace/replay.ts");
  const dir = new URL("./fidelity/", import.meta.url).pathname;
  const traces = await Promise.all(
    ["bytes-mixed-1", "bytes-churn-1"].map(async (n) =>
      parseTrace(await readTraceText(`${dir}${n}.trace.gz`), n)
    ),
  );
  const first = traces.map((t) => formatReplay(t, replay(t, "tlsf")));
  // Again, in the other order and twice over: each replay starts with the last one's tables.
  for (const k of [1, 0, 0, 1]) {
    assert.equal(formatReplay(traces[k], replay(traces[k], "tlsf")), first[k]);
  }
  const want = await readTraceText(`${dir}bytes-churn-1.tlsf.expected.gz`).catch(() => undefined);
  if (want !== undefined) assert.equal(first[1], want);
});
