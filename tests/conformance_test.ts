// The conformance suite: every built-in allocator meets it; deliberately
// broken allocators fail it on the right contract; user modules load with
// an explicit flag and a clear message when they do not fit.
import assert from "node:assert/strict";
import { main } from "../cli/conformance.ts";
import {
  applies,
  BUILTIN_TARGETS,
  builtinTarget,
  parseHeader,
  runConformance,
} from "../conformance/runner.ts";

async function run(args: string[]) {
  let out = "";
  let err = "";
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t + "\n") });
  return { code, out, err };
}

function failedContracts(table: string): string[] {
  return table.split("\n").filter((l) => l.includes("  FAIL ")).map((l) => l.split(/ {2,}/)[2]);
}

Deno.test("conformance: every built-in allocator meets every contract", async () => {
  for (const name of BUILTIN_TARGETS) {
    const r = await run(["--allocator", name]);
    assert.equal(r.code, 0, `${name}:\n${r.out}${r.err}`);
    assert.match(r.out, /\d+ passed, 0 failed/);
  }
});

Deno.test("conformance: the example allocator passes the contract level", async () => {
  const r = await run(["--allocator", "examples/first_fit_allocator.ts", "--allow-user-code"]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /15 passed, 0 failed/);
});

const FIXTURES: [string, string][] = [
  ["overlapping", "live blocks never overlap (random workload)"],
  ["unaligned", "allocations are aligned and inside the managed range"],
  ["leaky", "NoMemory when exhausted, and allocation works again after a free"],
  ["miscounting", "frees restore availability"],
  ["out_of_range", "allocations are aligned and inside the managed range"],
];

for (const [fixture, contract] of FIXTURES) {
  Deno.test(`conformance: the ${fixture} fixture fails "${contract}"`, async () => {
    const r = await run([
      "--allocator",
      `tests/fixtures/${fixture}_allocator.ts`,
      "--allow-user-code",
    ]);
    assert.equal(r.code, 1);
    assert.ok(failedContracts(r.out).includes(contract), r.out);
  });
}

Deno.test("conformance: the failing line and the values are in the report", async () => {
  const r = await run([
    "--allocator",
    "tests/fixtures/unaligned_allocator.ts",
    "--allow-user-code",
  ]);
  assert.match(
    r.out,
    /contract\.mms:\d+:\d+: ExpectationFailed: expect p % align == 0 failed \(aligned to \d+\): p % align = 8/,
  );
});

Deno.test("conformance: user code needs --allow-user-code; a bad module says what is missing", async () => {
  const noFlag = await run(["--allocator", "examples/first_fit_allocator.ts"]);
  assert.equal(noFlag.code, 2);
  assert.match(noFlag.err, /needs --allow-user-code/);
  const half = await run([
    "--allocator",
    "tests/fixtures/not_an_allocator.ts",
    "--allow-user-code",
  ]);
  assert.equal(half.code, 2);
  assert.match(
    half.err,
    /HalfDone is not a ByteAllocator: missing addMemory, dealloc, totalBytes, usedBytes, availableBytes/,
  );
  const unknown = await run(["--allocator", "dlmalloc"]);
  assert.match(
    unknown.err,
    /unknown allocator 'dlmalloc'; built-ins: tlsf, slab, buddy, bitmap, id, dragonos/,
  );
});

Deno.test("conformance: JUnit and TAP reporters", async () => {
  const tap = await run(["--allocator", "id", "--reporter", "tap"]);
  assert.match(
    tap.out,
    /^TAP version 13\n1\.\.5\nok 1 - \[id\] .*id_allocator\/contract\.mms: IDs are unique/,
  );
  const junit = await run([
    "--allocator",
    "tests/fixtures/leaky_allocator.ts",
    "--allow-user-code",
    "--reporter",
    "junit",
  ]);
  assert.equal(junit.code, 1);
  assert.match(junit.out, /<testsuites name="mmsim conformance" tests="15" failures="6">/);
  assert.match(junit.out, /name="fuzzing: .*capacity did not come back/s);
  assert.match(junit.out, /<failure message=".*NoMemory/);
  assert.equal((await run(["--reporter", "html"])).code, 2);
});

Deno.test("conformance: scripts must declare their interface and level", () => {
  assert.throws(
    () => parseHeader("x.mms", "# level: contract\n"),
    /needs a '# interface: NAME' line/,
  );
  assert.throws(() => parseHeader("x.mms", "# interface: ByteAllocator\n"), /needs a '# level/);
  assert.throws(
    () => parseHeader("x.mms", "# interface: ByteAllocator\n# level: exact\n"),
    /names the model/,
  );
  assert.equal(
    parseHeader("x.mms", "# interface: Kmalloc\n# level: exact dragonos\n").model,
    "dragonos",
  );
});

Deno.test("conformance: a bad seed, a missing suite or a script without a header", async () => {
  assert.match((await run(["--seed=abc"])).err, /--seed takes a non-negative integer, not 'abc'/);
  assert.equal((await run(["--suite", "/nonexistent/suite"])).code, 2);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/x.mms`, 'contract "c" { }\n');
    const r = await run(["--allocator", "tlsf", "--suite", dir]);
    assert.equal(r.code, 2);
    assert.match(r.err, /x\.mms: needs a '# interface: NAME' line/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("conformance: a script's print is shown under the row it came from, in every reporter", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/p.mms`,
      '# interface: ByteAllocator\n# level: contract\nprint "before \\x1b]0;t\\x07"\n' +
        'contract "prints" {\n  let heap = subject()\n  print "got {hex(heap.alloc(16, 8))}"\n}\n',
    );
    for (const allocator of ["tlsf", "examples/first_fit_allocator.ts"]) {
      const args = ["--allocator", allocator, "--allow-user-code", "--script", `${dir}/p.mms`];
      const table = await run(args);
      assert.equal(table.code, 0, table.out + table.err);
      assert.match(
        table.out,
        /prints +pass\n {4}print: before \\x1b\]0;t\\x07\n {4}print: got 0x9/,
      );
      const tap = await run([...args, "--reporter", "tap"]);
      assert.match(tap.out, /^ok 1 .*prints\n# print: before .*\n# print: got 0x9/m);
      const junit = await run([...args, "--reporter", "junit"]);
      assert.match(junit.out, /<system-out>before \\x1b\]0;t\\x07\ngot 0x9[0-9a-f]+<\/system-out>/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("conformance: ArceOS 2026's global allocators keep the per-CPU contracts", () => {
  const script = parseHeader(
    "conformance/suite/kernel/percpu_global_allocator.mms",
    Deno.readTextFileSync(
      new URL("../conformance/suite/kernel/percpu_global_allocator.mms", import.meta.url),
    ),
  );
  for (const name of ["ax-alloc-tlsf", "ax-alloc-buddy-slab"]) {
    const target = builtinTarget(name)!;
    assert.ok(applies(script, target), name);
    for (const seed of [1n, 2n, 3n]) {
      const rows = runConformance(script, target, seed);
      assert.equal(rows.length, 4, name);
      for (const r of rows) assert.ok(r.ok, `${name} seed ${seed}: ${r.contract}: ${r.failure}`);
    }
  }
  // The classic allocators do not answer for it.
  assert.equal(applies(script, builtinTarget("tlsf")!), false);
});

Deno.test("conformance: a per-CPU allocator that loses remote frees fails the contract that says so", async () => {
  // A buddy-slab kernel whose remote frees are dropped instead of parked.
  const { SlabPage } = await import("../mm/buddy_slab/slab_cache.ts");
  const original = SlabPage.prototype.remoteFree;
  SlabPage.prototype.remoteFree = function () {};
  try {
    const script = parseHeader(
      "conformance/suite/kernel/percpu_global_allocator.mms",
      Deno.readTextFileSync(
        new URL("../conformance/suite/kernel/percpu_global_allocator.mms", import.meta.url),
      ),
    );
    const rows = runConformance(script, builtinTarget("ax-alloc-buddy-slab")!);
    const lost = rows.find((r) => r.contract.startsWith("objects freed on other CPUs"))!;
    assert.equal(lost.ok, false);
    assert.match(lost.failure!, /needed more memory/);
  } finally {
    SlabPage.prototype.remoteFree = original;
  }
});
