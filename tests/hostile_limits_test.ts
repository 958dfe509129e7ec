// Hostile sizes (issue 26): an 8 MiB string literal, a gzip bomb of
// newlines, a file of nothing but newlines, a trace of 80,000 'add' lines.
// Each ends with an answer (or a located error), never a crash.
import assert from "node:assert/strict";
import { LspClient } from "./lsp_client.ts";
import { deno, runScript } from "./run_helpers.ts";
import { MAX_TRACE_BYTES } from "../cli/read_input.ts";

Deno.test("an 8 MiB string literal: run, fmt-mms and the language server all answer", async () => {
  const text = `let s = "${"a".repeat(8 << 20)}"\nprint len(s)\n`;
  const r = runScript(["big.mms", "--quiet"], { "big.mms": text });
  assert.equal(r.code, 0, r.err.join("\n").slice(0, 500));
  assert.deepEqual(r.out, [String(8 << 20)]);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/big.mms`, text);
    const fmt = await deno([
      "run",
      "--cached-only",
      "--allow-read",
      "cli/fmt_mms.ts",
      "--check",
      `${dir}/big.mms`,
    ]);
    assert.equal(fmt.code, 0, fmt.err.slice(0, 500));
    const lsp = new LspClient();
    try {
      await lsp.request("initialize", { processId: null, rootUri: null, capabilities: {} });
      const uri = `file://${dir}/big.mms`;
      await lsp.notify("textDocument/didOpen", {
        textDocument: { uri, languageId: "mms", version: 1, text },
      });
      const d = (await lsp.diagnostics(uri)).params as { diagnostics: unknown[] };
      assert.deepEqual(d.diagnostics, []);
      assert.equal(await lsp.close(), 0);
    } catch (e) {
      await lsp.kill();
      throw e;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay: a gzip bomb stops at the limit with a located error; newlines alone are an empty trace", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // 300 MiB of newlines compress to about 300 KB.
    const newlines = new Uint8Array(1 << 20).fill(10);
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("region 0x80000000 65536\n"));
        for (let i = 0; i < 300; i++) c.enqueue(newlines);
        c.close();
      },
    });
    const gz = new Uint8Array(
      await new Response(
        source.pipeThrough(
          new CompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
        ),
      ).arrayBuffer(),
    );
    assert.ok(gz.length < 1 << 20);
    await Deno.writeFile(`${dir}/bomb.trace.gz`, gz);
    const replay = (path: string) =>
      deno(["run", "--cached-only", "--allow-read", "cli/replay.ts", "--allocator", "tlsf", path]);
    const bomb = await replay(`${dir}/bomb.trace.gz`);
    assert.equal(bomb.code, 1);
    assert.match(
      bomb.err,
      new RegExp(
        `bomb\\.trace\\.gz:\\d+:1: the trace expands to more than ${MAX_TRACE_BYTES >> 20} MiB`,
      ),
    );
    await Deno.writeFile(`${dir}/blank.trace`, new Uint8Array(64 << 20).fill(10));
    const blank = await replay(`${dir}/blank.trace`);
    assert.equal(blank.code, 1);
    assert.match(blank.err, /blank\.trace:1:1: empty trace: expected 'region BASE SIZE'/);
    // 80,000 regions added one by one: each checked against its neighbours only.
    const adds = ["region 0x80000000 0x1000"];
    for (let i = 1; i <= 80_000; i++) {
      adds.push(`add 0x${(0x8000_0000 + 0x2000 * i).toString(16)} 4096`);
    }
    await Deno.writeTextFile(`${dir}/adds.trace`, adds.join("\n") + "\na 0 100 8\n");
    for (const allocator of ["tlsf", "buddy"]) {
      const r = await deno([
        "run",
        "--cached-only",
        "--allow-read",
        "cli/replay.ts",
        "--allocator",
        allocator,
        `${dir}/adds.trace`,
      ]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^stats total=327684096 /m);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deep recursion through nested blocks stops with a located script error, not an internal one", () => {
  // 90 nested blocks in each of 199 calls: far past any JavaScript stack,
  // however compact the compiled frames are.
  let body = "return f(n - 1)";
  for (let i = 0; i < 90; i++) body = `if n > 0 { ${body} }`;
  const r = runScript(["rec.mms", "--quiet"], {
    "rec.mms": `proc f(n) {\n  ${body}\n  return 0\n}\nprint f(199)\n`,
  });
  assert.equal(r.code, 1, r.err.join("\n"));
  assert.match(r.err[0], /^rec\.mms:2:\d+: error: procedure calls and blocks nested too deep/);
  assert.doesNotMatch(r.err.join("\n"), /internal error/);
});

Deno.test("address builtins never wrap: outside the linear mapping or past 2^64 is an error at the line", () => {
  const cases: [string, RegExp][] = [
    [
      "print virt_to_phys(0)\n",
      /virt_to_phys\(0x0\): not an address of riscv64-qemu-virt's linear mapping/,
    ],
    [
      "print phys_to_virt(0xffff_ffff_ffff_ffff)\n",
      /phys_to_virt\(0xffffffffffffffff\): .* passes 2\^64/,
    ],
    [
      "platform aarch64-raspi4\nprint phys_to_bus(0xffff_ffff_ffff_0000)\n",
      /phys_to_bus\(.*\): .* passes 2\^64/,
    ],
    ["print virt_to_bus(5)\n", /virt_to_bus\(0x5\): not an address of/],
  ];
  for (const [text, why] of cases) {
    const r = runScript(["a.mms", "--quiet"], { "a.mms": text });
    assert.equal(r.code, 1, text);
    assert.match(r.err[0], /^a\.mms:\d+:1: error: AddressRange: /, text);
    assert.match(r.err[0], why, text);
  }
});

Deno.test("--timeout holds inside one long builtin; a fill over all RAM costs no memory", () => {
  const map = runScript(["pt.mms", "--quiet", "--timeout", "1"], {
    "pt.mms": "let pt = new_page_table()\npt.map(0x1000_0000, 0x0, 1T, MAP_READ, true, true)\n",
  });
  assert.equal(map.code, 1);
  assert.match(map.err[0], /^pt\.mms:2:1: error: the script ran longer than its time limit of 1 s/);
  const fill = runScript(["fill.mms", "--quiet", "--timeout", "20"], {
    "fill.mms": "platform aarch64-raspi4\nunchecked {\n  fill(0, 0x8000_0000, 7)\n" +
      "  expect read8(0x7fff_ffff) == 7 && read64(0x1234_5678) == 0x0707070707070707\n" +
      "  write8(0x1000, 1)\n  expect read8(0x1000) == 1 && read8(0x1001) == 7\n}\n" +
      'expect ram_committed() == 4K "one frame written byte by byte"\n',
  });
  assert.equal(fill.code, 0, fill.err.join("\n"));
});

Deno.test("a fuzz reproducer stays one contract whatever the allocator's error message holds", async () => {
  const { reproducer } = await import("../conformance/fuzz.ts");
  const { parse } = await import("../dsl/parser.ts");
  const failure =
    'alloc(8, 8) threw Error: boom\nkmalloc(1)\n}\nprint "pwned" \\x {x} "q"\r\u2028end';
  const text = reproducer(
    "ByteAllocator",
    { failure, steps: [], runs: 1, operations: 0 },
    "seed 1",
  );
  const { program, problems } = parse(text, "fuzz-repro.mms");
  assert.deepEqual(problems, []);
  assert.equal(program.body.length, 1);
  assert.equal(program.body[0].kind, "contract");
  assert.equal(text.split("\n").filter((l) => l.startsWith("#")).length, 4);
});

Deno.test("a WebAssembly call that never returns is stopped and named: replay, and run with --timeout", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/full.trace`,
      "region 0x80000000 4096\na 0 4000 8\na 1 4000 8\n",
    );
    const replay = await deno([
      "run",
      "--cached-only",
      "--allow-read",
      "cli/replay.ts",
      "--allocator",
      "tests/fixtures/wasm/spins_when_full.wasm",
      "--timeout",
      "1",
      `${dir}/full.trace`,
    ]);
    assert.equal(replay.code, 1, replay.err);
    assert.match(replay.err, /replay: byte_alloc\(4000, 8\) did not return within 1 s/);
    await Deno.writeTextFile(
      `${dir}/spin.mms`,
      "final_init()\nrepeat 100000 { let p = alloc(64, 8) }\n",
    );
    const run = await deno([
      "run",
      "--cached-only",
      "--allow-read",
      "cli/run.ts",
      `${dir}/spin.mms`,
      "--quiet",
      "--allocator",
      "tests/fixtures/wasm/spins_when_full.wasm",
      "--timeout",
      "1",
    ]);
    assert.equal(run.code, 1, run.err);
    assert.match(
      run.err,
      /the script ran longer than its time limit of 1 s: stopped in byte_alloc\(64, 8\), a call of the WebAssembly allocator/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
