// Time limits: `run --timeout` stops a script that runs too long at the
// statement it was executing; a conformance contract that runs too long
// fails on its own and the next contract still runs; bad limits are
// refused.
import assert from "node:assert/strict";
import { main as conformance } from "../cli/conformance.ts";
import { runScript } from "./run_helpers.ts";

Deno.test("run --timeout stops a runaway loop at its statement, with file:line:col", () => {
  const script = "let i = 0\nwhile true {\n  i = i + 1\n}\n";
  const r = runScript(["spin.mms", "--timeout", "0.2"], { "spin.mms": script });
  assert.equal(r.code, 1);
  const text = r.err.join("\n");
  assert.match(
    text,
    /spin\.mms:(2:1|3:3): error: the script ran longer than its time limit of 0\.2 s; stopped here after \d+ statements/,
  );
  assert.doesNotMatch(text, /^\s+at /m);
});

Deno.test("run --timeout holds in a lane of parallel, whose empty loops take no step", () => {
  // Each lane's runaway loop: its body is empty, so the lane never yields.
  const loops = ["while true { }", "repeat 1000000000000 { }", "for i in 0..1000000000000 { }"];
  for (const loop of loops) {
    const script = `cpus 2\nparallel {\n  cpu 0 { print 1 }\n  cpu 1 { ${loop} }\n}\n`;
    const r = runScript(["lane.mms", "--quiet", "--timeout", "0.2"], { "lane.mms": script });
    assert.equal(r.code, 1, loop);
    const text = r.err.join("\n");
    assert.match(
      text,
      new RegExp(
        `lane\\.mms:4:11: error: the script ran longer than its time limit of 0\\.2 s`,
      ),
      loop,
    );
    assert.doesNotMatch(text, /^\s+at /m);
  }
});

Deno.test("run --timeout refuses a limit that is not a positive number", () => {
  for (const bad of ["0", "-1", "soon"]) {
    const r = runScript(["x.mms", `--timeout=${bad}`], { "x.mms": "print 1\n" });
    assert.equal(r.code, 2, bad);
    assert.match(r.err.join("\n"), /--timeout takes a positive number of seconds/);
  }
});

async function runConformance(args: string[]) {
  let out = "";
  let err = "";
  const code = await conformance(args, { out: (t) => (out += t), err: (t) => (err += t + "\n") });
  return { code, out, err };
}

Deno.test("conformance: a contract past its time limit fails alone; the next one runs", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/slow.mms`;
  Deno.writeTextFileSync(
    path,
    "# interface: ByteAllocator\n# level: contract\n" +
      'contract "spins" {\n  while true { }\n}\n' +
      'contract "after" {\n  let h = subject()\n  expect h.alloc(8, 8) % 8 == 0\n}\n',
  );
  const r = await runConformance([
    "--allocator",
    "tlsf",
    "--script",
    path,
    "--timeout",
    "0.1",
    "--fuzz-seconds",
    "0",
  ]);
  assert.equal(r.code, 1);
  // A script that loops by itself: stopped at 20 times the call limit.
  assert.match(
    r.out,
    /spins +FAIL .*slow\.mms:4:3: TimeLimit: the contract ran longer than its time limit of 2 s/,
  );
  assert.match(r.out, /after +pass/);
  assert.match(r.out, /1 passed, 1 failed/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("conformance: --timeout and --fuzz-seconds refuse bad values", async () => {
  const cases: [string[], RegExp][] = [
    [["--timeout", "0"], /--timeout takes a positive number of seconds, not '0'/],
    [["--fuzz-seconds=-1"], /--fuzz-seconds takes a number of seconds, not '-1'/],
  ];
  for (const [args, message] of cases) {
    const r = await runConformance(["--allocator", "tlsf", ...args]);
    assert.equal(r.code, 2);
    assert.match(r.err, message);
  }
});
