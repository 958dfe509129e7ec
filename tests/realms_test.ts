// The checker out of the subject's reach (issues 26 and 27): a user's
// allocator runs in a realm of its own; whatever it prints, posts, patches
// or imports, the verdict is the checker's, and its own output is shown
// apart, labelled, under the row it came from.
import assert from "node:assert/strict";
import { deno } from "./run_helpers.ts";

function conformance(fixture: string, ...more: string[]) {
  return deno([
    "run",
    "--cached-only",
    "--allow-read",
    "--allow-run",
    "--unstable-worker-options",
    "cli/conformance.ts",
    "--allocator",
    `tests/fixtures/${fixture}_allocator.ts`,
    "--allow-user-code",
    ...more,
  ]);
}

Deno.test("realms: a correct allocator with a leftover console.log passes; its output is shown apart", async () => {
  const r = await conformance("chatty");
  assert.equal(r.code, 0, r.out.slice(-2000) + r.err);
  assert.match(r.out, /^15 passed, 0 failed$/m);
  assert.match(r.out, /pass\n {4}allocator output: \[heap\] init 90000000 \+1048576\n/);
  assert.match(r.out, / {4}allocator output: \[heap\] a 4000-byte block/);
});

Deno.test("realms: lines printed like verdicts on standard output are the allocator's output, not verdicts", async () => {
  const r = await conformance("stdout_forger", "--timeout", "5");
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /^0 passed, \d+ failed$/m);
  assert.match(r.out, / {4}allocator output: \{"kind":"row"/);
});

Deno.test("realms: a subject that rewrites postMessage and built-ins still fails its overlap", async () => {
  const r = await conformance("message_forger");
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /live blocks never overlap \(random workload\) +FAIL /);
});

Deno.test("realms: a subject that patches mmsim's modules and fast-check patches only its own copies", async () => {
  const r = await conformance("checker_patcher");
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /frees restore availability +FAIL /);
  assert.match(r.out, /fuzzing: .* +FAIL capacity did not come back/);
});

Deno.test("realms: a thrown Proxy and a NaN answer are the allocator's fault, never an internal error", async () => {
  const r = await conformance("hostile_thrower", "--fuzz-seconds", "0");
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /ScriptError: alloc returned NaN, not an integer/);
  assert.match(r.out, /the allocator under test threw an object in try_alloc\(100, 8\)/);
  assert.doesNotMatch(r.out + r.err, /internal error/);
});
