// The replay command as a user meets it: output, exit codes and messages.
import assert from "node:assert/strict";
import { main } from "../cli/replay.ts";
import { escapeLines } from "../dsl/diagnostics.ts";
import { parseTrace, TraceSyntaxError } from "../trace/trace.ts";
import { formatReplay, replay, ReplayError } from "../trace/replay.ts";
import { deno } from "./run_helpers.ts";

const MIXED = "tests/fidelity/bytes-mixed-1.trace.gz";

async function run(args: string[]): Promise<{ code: number; out: string; err: string[] }> {
  let out = "";
  const err: string[] = [];
  const code = await main(args, {
    out: (t) => {
      out += t;
      return Promise.resolve();
    },
    err: (l) => err.push(l),
  });
  return { code, out, err };
}

async function withTrace(text: string, fn: (path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".trace" });
  try {
    await Deno.writeTextFile(path, text);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("replay cli: prints the harness's format for a plain trace", async () => {
  await withTrace("# demo\nregion 0x80000000 65536\na 0 100 8\na 1 70000 8\nf 0\n", async (p) => {
    const r = await run(["--allocator", "buddy", p]);
    assert.equal(r.code, 0);
    assert.equal(r.out, "0 0x80000000\n1 NoMemory\nstats total=65536 used=0 available=65536\n");
  });
});

Deno.test("replay cli: gzip input and the global allocator's preamble", async () => {
  const r = await run([
    "-a",
    "global:tlsf",
    new URL("./fidelity/global-1.trace.gz", import.meta.url).pathname,
  ]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^init heap 0xffffffc080400000\n0 0x/);
});

Deno.test("replay cli: an unknown allocator lists the valid ones", async () => {
  const r = await run(["--allocator", "dlmalloc", "x.trace"]);
  assert.equal(r.code, 2);
  assert.match(
    r.err[0],
    /unknown allocator 'dlmalloc'; valid allocators: tlsf, slab, buddy, bitmap/,
  );
});

Deno.test("replay cli: a malformed line is reported with its line and column", async () => {
  await withTrace("region 0x80000000 4096\na 0 100 8\na 1 10x 8\n", async (p) => {
    const r = await run(["-a", "tlsf", p]);
    assert.equal(r.code, 1);
    assert.equal(r.out, "");
    assert.equal(
      r.err[0],
      `replay: ${p}:3:5: size '10x' is not an unsigned 64-bit number`,
    );
  });
  await withTrace("a 0 1 1\n", async (p) => {
    const r = await run(["-a", "tlsf", p]);
    assert.match(r.err[0], /:1:1: expected 'region BASE SIZE' first, found 'a'/);
  });
  await withTrace("region 0x80000000 4096\nq 0\n", async (p) => {
    const r = await run(["-a", "tlsf", p]);
    assert.match(r.err[0], /:2:1: unknown operation 'q'/);
  });
  await withTrace("region 0x80000000 4096\nf 0 1\n", async (p) => {
    const r = await run(["-a", "tlsf", p]);
    assert.match(r.err[0], /:2:1: 'f' takes 1 field, found 2/);
  });
});

Deno.test("replay cli: bad command lines exit 2 with a reason", async () => {
  assert.equal((await run([])).code, 2);
  assert.match((await run(["x"])).err[0], /--allocator is required/);
  assert.match((await run(["-a", "tlsf"])).err[0], /expected one trace file, got 0/);
  assert.match((await run(["-a", "tlsf", "--frobnicate", "x"])).err[0], /frobnicate/);
  const missing = await run(["-a", "tlsf", "/nonexistent/trace"]);
  assert.equal(missing.code, 1);
  assert.match(missing.err[0], /cannot read \/nonexistent\/trace/);
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /Usage: deno task replay/);
});

Deno.test("replay cli: --bench reports operations per second", async () => {
  await withTrace("region 0x80000000 65536\na 0 100 8\nf 0\n", async (p) => {
    const r = await run(["-a", "slab", "--bench", "--seconds", "0.05", p]);
    assert.equal(r.code, 0);
    assert.match(r.out, /^slab .*: 2 ops x \d+ runs in \d+ ms: [\d.]+ Mops\/s\n$/);
  });
});

Deno.test("replay: frees the trace gets wrong, and operations an allocator lacks", () => {
  const t = parseTrace("region 0x80000000 65536\na 0 8 8\nf 0\nf 0\n", "t");
  assert.throws(() => replay(t, "buddy"), (e) => {
    assert.ok(e instanceof ReplayError);
    assert.equal(e.message, "t:4: 'f 0' frees ID 0 a second time");
    return true;
  });
  // Freeing an allocation that failed frees nothing; freeing it again is still a second free.
  const failed = parseTrace("region 0x80000000 65536\na 0 1048576 8\nf 0\na 0 8 8\nf 0\n", "x");
  assert.equal(
    formatReplay(failed, replay(failed, "buddy")),
    "0 NoMemory\n0 0x80000000\nstats total=65536 used=0 available=65536\n",
  );
  const twice = parseTrace("region 0x80000000 65536\na 0 1048576 8\nf 0\nf 0\n", "y");
  assert.throws(() => replay(twice, "buddy"), /y:4: 'f 0' frees ID 0 a second time/);
  const u = parseTrace("region 0x80000000 65536\nf 7\n", "u");
  assert.throws(() => replay(u, "tlsf"), /u:2: 'f 7' frees an ID no earlier line allocated/);
  const v = parseTrace("region 0x80000000 65536\np 0 1 4096\n", "v");
  assert.throws(() => replay(v, "tlsf"), /v:2: 'p' is not an operation of a byte allocator/);
  const w = parseTrace("region 0x80000000 16\n", "w");
  assert.throws(() => replay(w, "tlsf"), /w:1: region: InvalidParam/);
  // At the region's own line, after comments and headers.
  const headed = parseTrace("# a comment\ncpus 2\n\nregion 0x80000000 16\n", "h");
  assert.equal(headed.regionLine, 4);
  assert.throws(() => replay(headed, "slab"), /h:4: region: InvalidParam/);
  assert.throws(() => parseTrace("", "e"), TraceSyntaxError);
  assert.throws(
    () => parseTrace("region 0x80000000 65536\nregion 0 1\n", "r"),
    /one 'region' line/,
  );
});

Deno.test("replay: bitmap pages, alloc_pages_at, and addresses outside the window", () => {
  const t = parseTrace(
    "region 0x80400000 0x100000\na 0 2 8192\nat 1 0x80480000 4 4096\nat 2 0xfffffffffffff000 1 4096\na 3 0 4096\nf 0\n",
    "b",
  );
  assert.equal(
    formatReplay(t, replay(t, "bitmap")),
    "0 0x80400000\n1 0x80480000\n2 NoMemory\n3 InvalidParam\nstats total=256 used=4 available=252\n",
  );
});

Deno.test("replay cli: '-' reads the trace from standard input", async () => {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      new URL("../cli/replay.ts", import.meta.url).pathname,
      "-a",
      "tlsf",
      "-",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode("region 0x80000000 4096\na 0 100 8\n"));
  await w.close();
  const { code, stdout } = await child.output();
  assert.equal(code, 0);
  assert.equal(
    new TextDecoder().decode(stdout),
    "0 0x80000010\nstats total=4096 used=100 available=3996\n",
  );
});

Deno.test("replay cli: --seconds must be positive", async () => {
  const r = await run(["-a", "tlsf", "--bench", "--seconds", "0", "x.trace"]);
  assert.equal(r.code, 2);
  assert.match(r.err[0], /--seconds takes a positive number, not '0'/);
  const alone = await run(["-a", "tlsf", "--seconds", "1", "x.trace"]);
  assert.equal(alone.code, 2);
  assert.match(alone.err[0], /--seconds is how long --bench runs; without --bench/);
});

Deno.test("replay cli: a trace's control bytes reach the terminal escaped", async () => {
  await withTrace("region 0x80000000 65536\na\x1b]0;owned\x07 1 2\n", async (path) => {
    const r = await run(["--allocator", "tlsf", path]);
    assert.equal(r.code, 1);
    assert.match(r.err[0], /unknown operation 'a\\x1b\]0;owned\\x07'/);
    assert.equal(escapeLines(r.err.join("\n")), r.err.join("\n"));
  });
});

Deno.test("replay cli: sparse IDs up to 2^53 need no memory for the IDs between", async () => {
  const id = 2 ** 53 - 1;
  await withTrace(
    `region 0x80000000 65536\na ${id} 16 8\nf ${id}\na 4000000000 8 8\n`,
    async (path) => {
      const r = await run(["--allocator", "buddy", path]);
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.equal(
        r.out,
        `${id} 0x80000000\n4000000000 0x80000000\nstats total=65536 used=8 available=65528\n`,
      );
    },
  );
});

Deno.test("replay cli: --pointer-width 4 replays the 32-bit variant", async () => {
  // A 3-byte block is a word: 8 bytes on a 64-bit target, 4 on a 32-bit one;
  // TLSF's header is two words (16 or 8 bytes) in front of the payload.
  await withTrace("region 0x80000000 65536\na 0 3 1\na 1 3 1\n", async (p) => {
    const wide = await run(["--allocator", "buddy", p]);
    const narrow = await run(["--allocator", "buddy", "--pointer-width", "4", p]);
    assert.match(wide.out, /^0 0x80000000\n1 0x80000008\n/);
    assert.match(narrow.out, /^0 0x80000000\n1 0x80000004\n/);
    const tlsf = await run(["--allocator", "tlsf", "--pointer-width", "4", p]);
    assert.match(tlsf.out, /^0 0x80000008\n1 0x80000018\n/);
  });
  const bad = await run(["--allocator", "tlsf", "--pointer-width", "16", "x"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err[0], /--pointer-width takes 8 or 4/);
  // The models with no 32-bit variant say so (they replayed the 64-bit one, unsaid).
  for (const name of ["ax-alloc-tlsf", "ax-alloc-buddy-slab", "bitmap"]) {
    const r = await run(["--allocator", name, "--pointer-width", "4", "x"]);
    assert.equal(r.code, 2, name);
    assert.match(r.err[0], new RegExp(`is for the byte allocators .* and global:\\*, not ${name}`));
  }
  const t = parseTrace("region 0x80000000 65536\na 0 3 1\n", "t");
  assert.throws(() => replay(t, "ax-alloc-tlsf", { pointerWidth: 4 }), RangeError);
  assert.match(formatReplay(t, replay(t, "global:buddy", { pointerWidth: 4 })), /^init heap/);
});

Deno.test("replay task: runs with its V8 flags, prints the reference output, and --bench a rate", async () => {
  const expected = new TextDecoder().decode(
    await new Response(
      (await Deno.open("tests/fidelity/bytes-mixed-1.buddy.expected.gz")).readable.pipeThrough(
        new DecompressionStream("gzip"),
      ),
    ).arrayBuffer(),
  );
  const r = await deno(["task", "-q", "replay", "--allocator", "buddy", MIXED]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, expected);
  const b = await deno([
    "task",
    "-q",
    "replay",
    "--allocator",
    "buddy",
    "--bench",
    "--seconds",
    "0.2",
    MIXED,
  ]);
  assert.equal(b.code, 0, b.err);
  assert.match(b.out, /^buddy \S+: 100000 ops x \d+ runs in \d+ ms: [\d.]+ Mops\/s\n$/);
});

Deno.test("replay cli: ArceOS 2026's allocators, CPUs and remote frees, a panic where the real code panics", async () => {
  const text = "cpus 2\noffset 0xffffffc000000000\nregion 0xffffffc080400000 0x400000\n" +
    "a 1 64 8\ncpu 1\nf 1\ncpu 0\na 2 64 8\nd 3 1 0x1000\nadd 0xffffffc080900000 0x3000\n";
  await withTrace(text, async (p) => {
    const slab = await run(["--allocator", "ax-alloc-buddy-slab", p]);
    assert.equal(slab.code, 0, slab.err.join("\n"));
    // The object freed on CPU 1 waits on CPU 0's slab; CPU 0 drains it and gets it back.
    const [region, one, two, dma, add] = slab.out.split("\n");
    assert.equal(region, "region ok");
    assert.equal(two.slice(2), one.slice(2));
    assert.match(dma, /^3 0xffffffc08[0-9a-f]+$/);
    assert.equal(add, "add ok"); // 12 KiB holds no 2 MiB-aligned page: skipped, ok
    assert.match(
      slab.out,
      /\nstats used_bytes=\d+ available_bytes=\d+ used_pages=\d+ available_pages=\d+\n$/,
    );
    const tlsf = await run(["--allocator", "ax-alloc-tlsf", p]);
    assert.equal(tlsf.code, 0);
    assert.match(
      tlsf.out,
      /^region ok\n1 0x[0-9a-f]+\n2 0x[0-9a-f]+\npanic: not implemented: TLSF allocator does not support alloc_dma32_pages\n$/,
    );
  });
});

Deno.test("spread benchmark: a bad flag, a bad count or no row to measure is a message and an exit code", async () => {
  const spread = (args: string[]) =>
    deno([
      "run",
      "--allow-read",
      "--allow-run",
      "--allow-env=MMSIM_NATIVE_DIR",
      "bench/spread.ts",
      ...args,
    ]);
  const bogus = await spread(["--bogus"]);
  assert.equal(bogus.code, 2);
  assert.match(bogus.err, /^spread: Unknown option '--bogus' \(options: --runs N/);
  assert.doesNotMatch(bogus.err, /\n\s+at /); // no stack trace
  for (const args of [["--runs", "0"], ["--runs", "two"], ["--seconds", "0"]]) {
    const r = await spread(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err, /^spread: --runs takes a positive integer, --seconds a positive number\n$/);
  }
  const none = await spread(["--rows", "no-such-row", "--runs", "1"]);
  assert.equal(none.code, 1);
  assert.match(none.err, /^spread: no row to measure \(the native builds are looked for in /);
});

Deno.test("allocation benchmark: a bad flag or count is a message and an exit code; a row is measured", async () => {
  const allocations = (args: string[]) =>
    deno(["run", "--allow-read", "--allow-run", "bench/allocations.ts", ...args]);
  const bogus = await allocations(["--bogus"]);
  assert.equal(bogus.code, 2);
  assert.match(bogus.err, /^allocations: Unknown option '--bogus' \(options: --rows TEXT/);
  assert.doesNotMatch(bogus.err, /\n\s+at /); // no stack trace
  for (const args of [["--runs", "0"], ["--passes", "1.5"], ["--runs", "x"]]) {
    const r = await allocations(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err, /^allocations: --runs and --passes take positive integers\n$/);
  }
  const only = await allocations(["--only", "9999"]);
  assert.equal(only.code, 2);
  assert.match(only.err, /^allocations: --only takes a workload's index, 0 to \d+\n$/);
  const none = await allocations(["--rows", "no-such-row"]);
  assert.equal(none.code, 1);
  assert.match(none.err, /^allocations: no workload matches --rows no-such-row\n$/);
  // One row, two processes of a few passes: a table row with a figure per process.
  const row = await allocations(["--rows", "tlsf bytes-churn-1", "--runs", "2", "--passes", "5"]);
  assert.equal(row.code, 0, row.err);
  const lines = row.out.trim().split("\n");
  assert.equal(lines.length, 3);
  const cells = lines[2].split("|").map((c) => c.trim());
  assert.deepEqual(cells.slice(1, 3), ["tlsf", "bytes-churn-1"]);
  const perProcess = cells[4].split(", ").map(Number);
  assert.equal(perProcess.length, 2);
  for (const x of [Number(cells[3]), ...perProcess]) {
    assert.ok(x >= 0 && Number.isFinite(x), cells[4]);
  }
});
