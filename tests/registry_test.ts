// The allocator registry is the one list: everything that names allocators
// derives from it.
import assert from "node:assert/strict";
import { ALLOCATORS, BYTE_ALLOCATOR_KINDS, REPLAY_ALLOCATORS } from "../mm/registry.ts";
import { BUILTIN_TARGETS, builtinTarget } from "../conformance/runner.ts";
import { KERNEL_KEYS } from "../runtime/world.ts";
import { runScript } from "./run_helpers.ts";

Deno.test("registry: every model is a conformance target, a replay name and a new_allocator kind", () => {
  for (const a of ALLOCATORS) {
    assert.ok(BUILTIN_TARGETS.includes(a.name), a.name);
    assert.equal(builtinTarget(a.name)?.subject?.kind, a.interface);
    if (a.interface !== "IdAllocator") assert.ok(REPLAY_ALLOCATORS.includes(a.name), a.name);
    const made = runScript(["t.mms", "--quiet"], {
      "t.mms": `let h = new_allocator("${a.name}", ${
        a.interface === "IdAllocator" ? "0, 4096" : "0x8040_0000, 1M"
      })\nprint h.kind\n`,
    });
    assert.deepEqual([made.code, made.out], [0, [a.name]], made.err.join("\n"));
  }
  for (const k of BYTE_ALLOCATOR_KINDS) {
    assert.ok(REPLAY_ALLOCATORS.includes(`global:${k}`));
    assert.match(KERNEL_KEYS.byte_allocator, new RegExp(`\\b${k}\\b`));
    const r = runScript(["t.mms", "--quiet", "--allocator", k], {
      "t.mms": "final_init()\nprint allocator_name()\n",
    });
    assert.equal(r.code, 0, r.err.join("\n"));
  }
  const help = runScript(["--help"]);
  assert.match(help.out.join("\n"), new RegExp(BYTE_ALLOCATOR_KINDS.join(", ")));
  // --help lists the builtins by group, with their parameters.
  assert.match(help.out.join("\n"), /memory access:\n\s+read8\(addr\)\s+reads a byte/);
  assert.match(help.out.join("\n"), /kmalloc\(size, gfp\?\)/);
  const bad = runScript(["t.mms"], { "t.mms": 'let h = new_allocator("dlmalloc", 0, 4096)\n' });
  assert.match(bad.err[0], /kind 'dlmalloc' is not one of tlsf, slab, buddy, bitmap, id/);
});
