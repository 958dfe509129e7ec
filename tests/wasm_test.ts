// WebAssembly allocators: the committed example modules pass the suite and
// replay in the reference format; the broken fixtures (tests/fixtures/wasm/)
// each fail with the right message within the time limit; a module's heap
// bytes are the simulated RAM. Nothing here builds anything: the .wasm files
// are committed (deno task wasm rebuilds them).
import assert from "node:assert/strict";
import { loadWasmAllocator, WasmModuleError } from "../mm/wasm/wasm_module.ts";
import { WasmByteAllocator } from "../mm/wasm/wasm_byte_allocator.ts";
import { WasmPageAllocator } from "../mm/wasm/wasm_page_allocator.ts";
import { LinearRegions } from "../mm/wasm/linear_memory.ts";
import { KernelMemory } from "../mm/axalloc/kernel_memory.ts";
import { AllocError, NO_MEMORY } from "../mm/allocator/alloc_error.ts";
import { parseTrace } from "../trace/trace.ts";
import { formatReplay, replay, replayOn } from "../trace/replay.ts";
import { readTraceText } from "../cli/read_input.ts";
import { type CommandOutput, deno } from "./run_helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const FIRST_FIT = "examples/wasm/first_fit.wasm";
const BITMAP = "examples/wasm/bitmap_pages.wasm";
const fixture = (name: string) => `tests/fixtures/wasm/${name}.wasm`;
const load = (path: string) => loadWasmAllocator(Deno.readFileSync(`${ROOT}${path}`), path);

function task(
  script: string,
  args: string[],
  flags = ["--allow-read", "--allow-run", "--unstable-worker-options"],
): Promise<CommandOutput> {
  return deno(["run", "--cached-only", ...flags, script, ...args]);
}

const conformance = (args: string[]) => task("cli/conformance.ts", args);

Deno.test("wasm: the examples load with their families and pointer width", () => {
  const ff = load(FIRST_FIT);
  assert.deepEqual(ff.families, ["ByteAllocator"]);
  assert.equal(ff.pointerWidth, 4);
  const bp = load(BITMAP);
  assert.deepEqual(bp.families, ["PageAllocator"]);
  assert.equal(load(fixture("bitmap_pages64")).pointerWidth, 8, "memory64 has 8-byte pointers");
});

Deno.test("wasm: a module that breaks the ABI is refused with every reason", () => {
  const refused = (path: string) => {
    try {
      load(path);
    } catch (e) {
      assert.ok(e instanceof WasmModuleError);
      return e.message;
    }
    assert.fail(`${path} was accepted`);
  };
  assert.match(refused(fixture("missing_export")), /missing exports byte_dealloc, byte_used_bytes/);
  assert.match(
    refused(fixture("imports")),
    /imports env\.host_log \(function\); .*imports nothing/,
  );
  assert.match(
    refused(fixture("version_two")),
    /speaks ABI version 2; this mmsim speaks version 1/,
  );
  assert.throws(
    () => loadWasmAllocator(new TextEncoder().encode("not wasm"), "junk.wasm"),
    /junk\.wasm: not a WebAssembly module/,
  );
});

Deno.test("wasm: regions sit above the module's memory, aligned like the simulated address", () => {
  const memory = new WebAssembly.Memory({ initial: 17 });
  const r = new LinearRegions(memory, 4);
  const a = r.place(0x9000_0000, 0x10_0000);
  assert.ok(a >= 17 * 65536, "above the module's own memory");
  assert.equal(a % 0x10_0000, 0x9000_0000 % 0x10_0000);
  // Apart in the simulation: apart in linear memory too (no block can span both).
  const b = r.place(0x9020_0000 + 0x1000, 0x4000);
  assert.ok(b > a + 0x10_0000);
  assert.equal(b % 0x4000, (0x9020_0000 + 0x1000) % 0x4000);
  // Continuing the last region: continues it in linear memory.
  const c = r.place(0x9020_5000, 0x1000);
  assert.equal(c, b + 0x4000);
  // Overlapping: the same translation, so the module sees the overlap.
  assert.equal(r.place(0x9000_8000, 0x1000), a + 0x8000);
  assert.equal(r.fromLinear(a + 16), 0x9000_0010);
  assert.equal(r.toLinear(0x9020_1010), b + 0x10);
  assert.equal(r.toLinear(0x1234), -1);
  assert.ok(memory.buffer.byteLength >= c + 0x1000, "grown to hold them");
});

Deno.test("wasm: translation at every region boundary: a region's end is the next one's start", () => {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const r = new LinearRegions(memory, 4);
  // A heap grown three times, back to back in the simulation: each region is
  // aligned like its simulated address, so each lies apart in linear memory.
  const starts = [0x8040_0000, 0x8040_8000, 0x8041_0000, 0x8042_0000];
  const sizes = [0x8000, 0x8000, 0x1_0000, 0x2_0000];
  const at = starts.map((s, i) => r.place(s, sizes[i]));
  for (let i = 0; i < starts.length; i++) {
    const [s, n, o] = [starts[i], sizes[i], at[i]];
    assert.equal(r.toLinear(s), o, `start of region ${i}`);
    assert.equal(r.toLinear(s + n - 1), o + n - 1, `last byte of region ${i}`);
    assert.equal(r.fromLinear(o), s);
    assert.equal(r.fromLinear(o + n - 1), s + n - 1);
    if (i + 1 < starts.length) {
      // The cache points at region i now; the next region's start is not its end.
      assert.equal(r.toLinear(s + n), at[i + 1], `region ${i}'s end is region ${i + 1}'s start`);
      r.toLinear(s);
      assert.equal(r.blockFromLinear(o, n), s, `all of region ${i} is one block`);
      if (at[i + 1] !== o + n) {
        assert.equal(r.fromLinear(o + n), -1, "the gap is nobody's");
        // A block running past a region into the gap is outside managed memory.
        assert.equal(r.blockFromLinear(o + n - 8, 16), -1);
      }
    }
  }
  assert.equal(r.toLinear(starts[3] + sizes[3]), -1, "the last region's end is outside");
  // Regions that continue each other in linear memory translate as one.
  const m2 = new LinearRegions(new WebAssembly.Memory({ initial: 1 }), 4);
  const x = m2.place(0x9000_0000, 0x1000);
  const y = m2.place(0x9000_1000, 0x1000);
  assert.equal(y, x + 0x1000);
  assert.equal(m2.blockFromLinear(x + 0xff0, 0x20), 0x9000_0ff0);
  assert.equal(m2.toLinear(0x9000_1000), y);
});

/** A seeded global churn: bytes of 8 B to 128 KiB (the heap grows many times) and page runs. */
function globalChurnTrace(ops: number, seed: number): string {
  let s = seed >>> 0;
  const rand = (n: number) => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % n;
  const sizes = [8, 24, 64, 200, 1000, 4096, 16384, 32768, 65536, 131072];
  const lines = ["region 0xffffffc080400000 0x4000000"];
  const live: number[] = [];
  for (let i = 0; i < ops; i++) {
    if (live.length > 0 && rand(100) < 48) {
      const k = rand(live.length);
      lines.push(`f ${live[k]}`);
      live[k] = live[live.length - 1];
      live.pop();
    } else if (rand(8) === 0) {
      lines.push(`p ${i} ${1 + rand(4)} 4096`);
      live.push(i);
    } else {
      lines.push(`a ${i} ${sizes[rand(sizes.length)] - rand(8)} ${2 ** rand(7)}`);
      live.push(i);
    }
  }
  return lines.join("\n") + "\n";
}

Deno.test("wasm: a long global churn through the Rust module, with many grown regions", () => {
  const trace = parseTrace(globalChurnTrace(40_000, 11), "churn");
  const allocator = new WasmByteAllocator(load(FIRST_FIT));
  const out = formatReplay(
    trace,
    replay(trace, `global:${FIRST_FIT}`, { userByteAllocator: allocator }),
  );
  // Every request either succeeds or fails for lack of memory: no ABI error
  // (a replay stops at the first one).
  assert.doesNotMatch(out, /InvalidParam|outside/);
  assert.ok((out.match(/ 0xffffffc0/g) ?? []).length > 15_000, "most requests succeed");
});

Deno.test("wasm: every scenario runs with each example module as the kernel's allocator", async () => {
  const scripts = [...Deno.readDirSync(`${ROOT}scripts`)].map((e) => e.name)
    .filter((n) => n.endsWith(".mms")).sort();
  for (const name of scripts) {
    for (const module of [FIRST_FIT, BITMAP]) {
      const r = await task("cli/run.ts", [`scripts/${name}`, "--quiet", "--allocator", module], [
        "--allow-read",
      ]);
      assert.equal(r.code, 0, `${name} --allocator ${module}:\n${r.err}`);
    }
  }
});

Deno.test("wasm: a byte allocator's errors, and a foreign pointer never reaches the module", () => {
  const a = new WasmByteAllocator(load(FIRST_FIT));
  a.init(0x9000_0000, 0x1_0000);
  const p = a.alloc(100, 8);
  assert.ok(p >= 0x9000_0000 && p + 100 <= 0x9001_0000);
  assert.throws(() => a.alloc(8, 3), (e) => e instanceof AllocError && e.kind === "InvalidParam");
  assert.throws(
    () => a.alloc(0x2_0000, 8),
    (e) => e instanceof AllocError && e.kind === "NoMemory",
  );
  assert.throws(
    () => a.dealloc(0x1000, 8, 8),
    (e) =>
      e instanceof AllocError && e.kind === "NotAllocated" && /not in the memory/.test(e.message),
  );
  assert.throws(() => a.alloc(2 ** 33, 8), /does not exist on a 32-bit target/);
  a.dealloc(p, 100, 8);
  assert.equal(a.usedBytes(), 0);
});

Deno.test("wasm: a trap names the call and its arguments", () => {
  const a = new WasmByteAllocator(load(fixture("traps")));
  a.init(0x9000_0000, 0x1_0000);
  assert.throws(() => a.alloc(64, 4096), (e: Error) => {
    assert.equal(e.name, "WasmCallError");
    assert.match(e.message, /traps\.wasm: byte_alloc\(64, 4096\) trapped: unreachable/);
    return true;
  });
});

Deno.test("wasm: the examples pass the conformance suite", async () => {
  for (const path of [FIRST_FIT, BITMAP, fixture("bitmap_pages64")]) {
    const r = await conformance(["--allocator", path, "--fuzz-seconds", "0.5"]);
    assert.equal(r.code, 0, `${path}:\n${r.out}${r.err}`);
    assert.match(r.out, /(\d+) passed, 0 failed/);
  }
});

Deno.test("wasm: the broken fixtures fail the contracts about their defects", async () => {
  const scribbles = await conformance(["--allocator", fixture("scribbles"), "--fuzz-seconds", "0"]);
  assert.equal(scribbles.code, 1);
  assert.match(scribbles.out, /FAIL .*live blocks keep their contents: the \d+-byte block at 0x9/);
  const traps = await conformance(["--allocator", fixture("traps"), "--fuzz-seconds", "0"]);
  assert.equal(traps.code, 1);
  assert.match(traps.out, /FAIL .*traps\.wasm: byte_alloc\(\d+, \d+\) trapped: unreachable/);
  const t0 = performance.now();
  const spins = await conformance([
    "--allocator",
    fixture("spins_when_full"),
    "--timeout",
    "1",
    "--fuzz-seconds",
    "0",
  ]);
  assert.equal(spins.code, 1);
  assert.match(spins.out, /FAIL try_alloc\(\d+, 8\) did not return within 1 s/);
  assert.ok(performance.now() - t0 < 60_000, "each hang costs one time limit");
  for (
    const [name, why] of [
      ["missing_export", /refused .*missing exports byte_dealloc, byte_used_bytes/],
      ["imports", /refused .*imports env\.host_log/],
      ["version_two", /refused .*ABI version 2/],
    ] as const
  ) {
    const r = await conformance(["--allocator", fixture(name)]);
    assert.equal(r.code, 2, name);
    assert.match(r.err, why);
  }
});

Deno.test("wasm: --exact compares every call with the 32-bit model", async () => {
  const r = await conformance([
    "--allocator",
    FIRST_FIT,
    "--exact",
    "buddy",
    "--fuzz-seconds",
    "0.3",
  ]);
  assert.equal(r.code, 1);
  assert.match(r.out, /exact: buddy \(32-bit\) gives 0x[0-9a-f]+ for/);
  assert.match(r.out, /--exact buddy --seed 1 writes a reproducer/);
});

Deno.test("wasm: fuzzing a module, and the reproducer of a trap", async () => {
  const ok = await task(
    "cli/fuzz.ts",
    ["--allocator", FIRST_FIT, "--seconds", "1"],
    ["--allow-read", "--allow-write=.", "--allow-run", "--unstable-worker-options"],
  );
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /first_fit\.wasm: [\d,]+ operations .* every contract held/);
  const out = await Deno.makeTempFile({ dir: ROOT, suffix: ".mms" });
  try {
    const bad = await task(
      "cli/fuzz.ts",
      ["--allocator", fixture("traps"), "--seconds", "5", "--out", out.slice(ROOT.length)],
      ["--allow-read", "--allow-write=.", "--allow-run", "--unstable-worker-options"],
    );
    assert.equal(bad.code, 1);
    assert.match(bad.err, /trapped: unreachable/);
    assert.match(
      bad.err,
      /replay it: deno task conformance --allocator tests\/fixtures\/wasm\/traps\.wasm --script/,
    );
    const again = await conformance(["--allocator", fixture("traps"), "--script", out]);
    assert.equal(again.code, 1, "the reproducer fails when replayed");
    // A module that writes into a live block: its own memory holds the patterns.
    const scribbles = await task(
      "cli/fuzz.ts",
      ["--allocator", fixture("scribbles"), "--seconds", "5", "--out", out.slice(ROOT.length)],
      ["--allow-read", "--allow-write=.", "--allow-run", "--unstable-worker-options"],
    );
    assert.equal(scribbles.code, 1);
    assert.match(scribbles.err, /live blocks keep their contents: .*wrote into a live block/);
    assert.match(scribbles.err, /shrunk to [1-5] operations?/);
    const replayed = await conformance(["--allocator", fixture("scribbles"), "--script", out]);
    assert.equal(replayed.code, 1, "the reproducer fails when replayed");
    assert.match(replayed.out, /live blocks keep their contents/);
  } finally {
    await Deno.remove(out);
  }
});

Deno.test("wasm: replay prints the reference format; a trap names its trace line", async () => {
  const trace = parseTrace(
    await readTraceText(`${ROOT}tests/fidelity/bytes-churn-1.trace.gz`),
    "bytes-churn-1",
  );
  const text = formatReplay(trace, replayOn(trace, new WasmByteAllocator(load(FIRST_FIT))));
  const lines = text.trimEnd().split("\n");
  assert.match(lines[0], /^\d+ 0x[0-9a-f]+$/);
  assert.match(lines.at(-1)!, /^stats total=\d+ used=\d+ available=\d+$/);
  const cli = await task("cli/replay.ts", [
    "--allocator",
    FIRST_FIT,
    "tests/fidelity/bytes-churn-1.trace.gz",
  ], ["--allow-read"]);
  assert.equal(cli.code, 0);
  assert.equal(cli.out, text);
  const pages = await task("cli/replay.ts", [
    "--allocator",
    BITMAP,
    "tests/fidelity/pages-frames-1.trace.gz",
  ], ["--allow-read"]);
  assert.equal(pages.code, 0, pages.err);
  assert.match(pages.out, /^stats total=\d+ used=\d+ available=\d+$/m);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/t.trace`, "region 0x80000000 65536\na 0 8 8\na 1 8 4096\n");
    const trap = await task("cli/replay.ts", ["-a", fixture("traps"), `${dir}/t.trace`], [
      "--allow-read",
    ]);
    assert.equal(trap.code, 1);
    assert.match(trap.err, /t\.trace:3: .*byte_alloc\(8, 4096\) trapped: unreachable/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("wasm: the kernel's heap bytes are the module's memory, both ways", () => {
  const allocator = new WasmByteAllocator(load(FIRST_FIT));
  const k = new KernelMemory({ userByteAllocator: { name: FIRST_FIT, allocator } });
  k.finalInit();
  assert.equal(k.global.name(), FIRST_FIT);
  const p = k.alloc(64, 8);
  const local = k.toLocal(p);
  const phys = k.virtToPhys(p);
  // A script's write lands in the module's memory...
  k.ram.write(phys, new TextEncoder().encode("hello"));
  assert.equal(new TextDecoder().decode(allocator.managedBytes(local, 5)), "hello");
  // ... and the module's writes are what the script reads.
  allocator.managedBytes(local, 2)!.set([0x4f, 0x4b]);
  assert.equal(new TextDecoder().decode(k.ram.read(phys, 5)), "OKllo");
  k.dealloc(p, 64, 8);
});

Deno.test('wasm: run --allocator FILE.wasm and kernel byte_allocator = "FILE.wasm"', async () => {
  const boot = await task("cli/run.ts", ["scripts/boot.mms", "--allocator", FIRST_FIT], [
    "--allow-read",
  ]);
  assert.equal(boot.code, 0, boot.err);
  assert.match(boot.out, /Hello, ArceOS!\[from String\]/);
  assert.match(boot.out, /with examples\/wasm\/first_fit\.wasm/);
  const dir = await Deno.makeTempDir({ dir: ROOT });
  try {
    await Deno.copyFile(`${ROOT}${FIRST_FIT}`, `${dir}/mine.wasm`);
    await Deno.writeTextFile(
      `${dir}/use.mms`,
      'kernel byte_allocator = "mine.wasm"\nfinal_init()\nprint allocator_name()\n' +
        'let p = alloc(64, 8)\nwrite(p, "from wasm")\nprint read_str(p, 9)\n',
    );
    const r = await task("cli/run.ts", [`${dir}/use.mms`], ["--allow-read"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /mine\.wasm\n/);
    assert.match(r.out, /from wasm/);
    await Deno.writeTextFile(`${dir}/bad.mms`, 'kernel byte_allocator = "nowhere.wasm"\n');
    const bad = await task("cli/run.ts", [`${dir}/bad.mms`], ["--allow-read"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.err + bad.out, /bad\.mms:1:1: .*cannot read .*nowhere\.wasm/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("wasm: a memory64 page allocator counts in bigints and answers as wasm32 does", () => {
  const a = new WasmPageAllocator(load(fixture("bitmap_pages64")));
  a.init(0x8040_0000, 0x100_0000);
  assert.equal(a.allocPages(2, 4096), 0x8040_0000);
  assert.equal(a.allocPages(1, 0x1_0000), 0x8041_0000);
  assert.equal(a.usedPages(), 3);
  assert.throws(() => a.allocPages(0, 4096), /InvalidParam/);
});

Deno.test("wasm: tryAllocPages answers the module's NoMemory with NO_MEMORY, allocPages throws it", () => {
  const quiet = new WasmPageAllocator(load(BITMAP));
  const loud = new WasmPageAllocator(load(BITMAP));
  quiet.init(0x8040_0000, 0x10_000); // 16 pages
  loud.init(0x8040_0000, 0x10_000);
  for (const n of [4, 8, 8, 2, 1, 1, 1]) {
    let want: number;
    try {
      want = loud.allocPages(n, 4096);
    } catch (e) {
      assert.ok(e instanceof AllocError && e.kind === "NoMemory", String(e));
      assert.match(e.message, /page_alloc_pages\(.*\) failed/);
      want = NO_MEMORY;
    }
    assert.equal(quiet.tryAllocPages(n, 4096), want, `allocPages(${n})`);
  }
  assert.equal(quiet.usedPages(), loud.usedPages());
  assert.equal(quiet.tryAllocPages(1, 4096), NO_MEMORY, "all 16 pages are in use");
  assert.throws(() => quiet.tryAllocPages(2 ** 33, 4096), /InvalidParam|32-bit target/);
});

Deno.test("wasm: a page module is the kernel's page allocator", async () => {
  const boot = await task("cli/run.ts", ["scripts/boot.mms", "--allocator", BITMAP], [
    "--allow-read",
  ]);
  assert.equal(boot.code, 0, boot.err);
  assert.match(boot.out, /Hello, ArceOS!\[from String\]/);
  const dir = await Deno.makeTempDir({ dir: ROOT });
  try {
    await Deno.copyFile(`${ROOT}${BITMAP}`, `${dir}/pages.wasm`);
    await Deno.copyFile(`${ROOT}${FIRST_FIT}`, `${dir}/bytes.wasm`);
    await Deno.writeTextFile(
      `${dir}/both.mms`,
      'kernel page_allocator = "pages.wasm"\nkernel byte_allocator = "bytes.wasm"\n' +
        "final_init()\nlet p = alloc_pages(2, 8K)\nexpect p % 8K == 0\n" +
        'write(p, "page bytes")\nprint read_str(p, 10)\nlet b = alloc(100, 8)\n' +
        'write(b, "heap bytes")\nprint read_str(b, 10)\ndealloc_pages(p, 2)\n',
    );
    const r = await task("cli/run.ts", [`${dir}/both.mms`], ["--allow-read"]);
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(r.out, /page bytes\n.*heap bytes/s);
    await Deno.writeTextFile(`${dir}/wrong.mms`, 'kernel page_allocator = "bytes.wasm"\n');
    const wrong = await task("cli/run.ts", [`${dir}/wrong.mms`], ["--allow-read"]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.err + wrong.out, /wrong\.mms:1:1: .*exports no page allocator/);
    // `kernel page_allocator = bitmap` takes the model back; anything else is said.
    await Deno.writeTextFile(
      `${dir}/back.mms`,
      'kernel page_allocator = "pages.wasm"\nkernel page_allocator = bitmap\nfinal_init()\n' +
        "print allocator_name()\n",
    );
    const back = await task("cli/run.ts", [`${dir}/back.mms`], ["--allow-read"]);
    assert.equal(back.code, 0, back.err);
    await Deno.writeTextFile(`${dir}/odd.mms`, "kernel page_allocator = buddy\n");
    const odd = await task("cli/run.ts", [`${dir}/odd.mms`], ["--allow-read"]);
    assert.notEqual(odd.code, 0);
    assert.match(odd.err, /odd\.mms:1:1: .*kernel page_allocator must be bitmap or "FILE\.wasm"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("wasm: answers the ABI does not allow are errors that say so", () => {
  const a = new WasmByteAllocator(load(fixture("stray")));
  a.init(0x9000_0000, 0x1_0000);
  assert.throws(
    () => a.alloc(8, 8),
    /stray\.wasm: byte_alloc\(8, 8\) returned 0x[0-9a-f]+, a 8-byte block outside the memory it manages/,
  );
  assert.throws(
    () => a.addMemory(0x9100_0000, 0x1000),
    /stray\.wasm: byte_add_memory\(.*\) answered 7, not an error code of the ABI/,
  );
});

Deno.test("wasm: replay and fuzz choose a family, global: takes a byte module, and say what is wrong", async () => {
  const replay = (args: string[]) => task("cli/replay.ts", args, ["--allow-read"]);
  const global = await replay(["-a", `global:${FIRST_FIT}`, "tests/fidelity/global-1.trace.gz"]);
  assert.equal(global.code, 0, global.err);
  assert.match(global.out, /^init heap 0xffffffc0[0-9a-f]+\n/);
  assert.match(
    global.out,
    /^stats used_bytes=\d+ available_bytes=\d+ used_pages=\d+ available_pages=\d+$/m,
  );
  const pages = await replay([
    "-a",
    BITMAP,
    "--family",
    "pages",
    "tests/fidelity/pages-frames-1.trace.gz",
  ]);
  assert.equal(pages.code, 0, pages.err);
  const cases: [string[], RegExp][] = [
    [["-a", BITMAP, "--family", "bytes", "x"], /exports no byte allocator/],
    [["-a", `global:${BITMAP}`, "x"], /exports no byte allocator/],
    [["-a", FIRST_FIT, "--family", "both", "x"], /--family is bytes or pages, not 'both'/],
    [["-a", FIRST_FIT, "--pointer-width", "4", "x"], /--pointer-width is for mmsim's models/],
    [["-a", "tlsf", "--family", "pages", "x"], /--family is for a \.wasm module/],
    [["-a", fixture("imports"), "x"], /refused .*imports env\.host_log/],
  ];
  for (const [args, why] of cases) {
    const r = await replay(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err, why);
  }
  const flags = ["--allow-read", "--allow-write=.", "--allow-run", "--unstable-worker-options"];
  const family = await task("cli/fuzz.ts", ["--allocator", FIRST_FIT, "--family", "pages"], flags);
  assert.equal(family.code, 2);
  assert.match(family.err, /exports no page allocator/);
  const notWasm = await task("cli/fuzz.ts", ["--allocator", "tlsf", "--family", "bytes"], flags);
  assert.equal(notWasm.code, 2);
  assert.match(notWasm.err, /--family is for a \.wasm module/);
  const exact = await conformance(["--allocator", FIRST_FIT, "--exact", "nope"]);
  assert.equal(exact.code, 2);
  assert.match(exact.err, /--exact takes a byte or page allocator model \(.*tlsf.*\), not 'nope'/);
});

Deno.test("wasm: a region added later goes above memory the module grew for itself", () => {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const r = new LinearRegions(memory, 4);
  const a = r.place(0x9000_0000, 0x1000);
  // The module grows its memory for its own statistics page (after its init).
  const own = memory.grow(1) * 65536;
  const b = r.place(0x9100_0000, 0x1_0000);
  assert.ok(
    b >= own + 65536,
    `region at ${b.toString(16)} over the module's page at ${own.toString(16)}`,
  );
  assert.ok(a + 0x1000 <= own);
});
