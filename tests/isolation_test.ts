// The suite against the broken fixtures: each fails on the check that is
// about its defect, within the time limit, and nothing the allocator does
// (spin, exit, overflow its stack) stops the run or makes it pass. Each run
// is a subprocess, so that a spinning worker thread ends with it.
import assert from "node:assert/strict";
import { deno } from "./run_helpers.ts";

async function conformance(
  fixture: string,
): Promise<{ code: number; out: string; err: string; rows: string[] }> {
  const r = await deno([
    "run",
    "--cached-only",
    "--allow-read",
    "--allow-run",
    "--unstable-worker-options",
    "cli/conformance.ts",
    "--allocator",
    `tests/fixtures/${fixture}_allocator.ts`,
    "--allow-user-code",
    "--timeout",
    // Filling a 1 GiB heap can take longer than 2 s on a loaded machine.
    fixture === "memory_hog" ? "60" : "2",
  ]);
  const rows = r.out.split("\n").filter((l) => / FAIL /.test(l)).map((l) =>
    l.replace(/ {2,}/g, " ")
  );
  return { ...r, rows };
}

/** The fixture, then for each failing contract it must have: its name and why. */
const CASES: [string, [RegExp, RegExp][]][] = [
  ["leak_after_ten", [
    [/capacity comes back/, /freed memory did not come back/],
    [/fuzzing/, /capacity did not come back/],
  ]],
  ["off_by_four", [
    [/every size from 1 to 512/, /blocks overlap around a 40-byte block/],
    [/fuzzing/, /alloc\(40, 8\) gave 0x9000000[0-9a-f]4?, not aligned to 8|overlaps/],
  ]],
  ["spinning", [
    [/NoMemory when exhausted/, /try_alloc\(4000, 8\) did not return within 2 s/],
    [/capacity comes back/, /did not return within 2 s/],
    [/add_memory adds memory/, /did not return within 2 s/],
    [/fuzzing/, /did not return within 2 s/],
  ]],
  ["big_alignment", [
    [/alignments past a page/, /aligned to 8192: got 0x90001000/],
  ]],
  ["negative_available", [
    [/statistics: total = used \+ available/, /statistics stay within their bounds.*available -/],
  ]],
  ["no_add_memory", [
    [/add_memory adds memory that later allocations use/, /NoMemory/],
    [/fuzzing/, /added memory \[0x[0-9a-f]+, 0x[0-9a-f]+\) was never used/],
  ]],
  ["exiting", [
    [/alignments past a page/, /the allocator called Deno\.exit\(0\) in alloc\(64, 8192\)/],
  ]],
  ["recursive", [
    [
      /every size from 1 to 512/,
      /RangeError: Maximum call stack size exceeded \(a stack overflow\) in alloc\(100, 1\)/,
    ],
  ]],
  ["misaligned_id", [
    [/fuzzing/, /alloc_id\(\d+, \d+\) gave \d+, not aligned/],
  ]],
  ["memory_hog", [
    [
      /NoMemory when exhausted/,
      /exhausted the memory of its worker \(a heap of 1024 MiB\) in try_alloc\(4000, 8\)/,
    ],
    [/add_memory adds memory/, /the allocator exhausted the memory of its worker/],
  ]],
  ["align_cap_id", [
    [/alignments up to the capacity/, /expect id % align == 0 failed/],
  ]],
  ["big_request_spinner", [
    [/large requests, up to half/, /try_alloc\(131072, 8\) did not return within 2 s/],
  ]],
  ["pages_past_end", [
    [/alloc_pages_at at and across the end/, /a run across the end/],
  ]],
  // Geometry the suite used to leave alone: odd region sizes and bases, added regions with gaps.
  ["rounded_end", [
    [
      /regions of odd sizes and bases/,
      /total_bytes \d+ of a region of \d+ bytes|outside the memory given/,
    ],
    [/fuzzing/, /outside the memory given/],
  ]],
  ["one_mib", [
    [/regions of odd sizes and bases/, /total_bytes 1048576 of a region|outside the memory given/],
    [/fuzzing/, /outside the memory given|failed with MemoryOverlap/],
  ]],
  ["base_relative_pages", [
    [
      /regions of odd sizes and bases: runs aligned/,
      /alloc_pages\(\d+, \d+\) gave 0x[0-9a-f]+, not aligned/,
    ],
    [/fuzzing/, /alloc_pages\(\d+, \d+\) gave 0x[0-9a-f]+, not aligned/],
  ]],
  ["stretched_pages", [
    [/added regions with gaps/, /total_pages \d+ of regions with \d+ whole pages|outside|gap/],
    [/fuzzing/, /outside the memory given/],
  ]],
  // The statistics come with each call's answer when they can be read: one that throws is still
  // reported at the statistic.
  ["throwing_stats", [
    [
      /live blocks never overlap/,
      /threw Error: used_bytes cannot count past 4 KiB \(\d+\) in statistics\(\)/,
    ],
    [/fuzzing/, /used_bytes cannot count past 4 KiB/],
  ]],
  ["pages_at_ignoring", [
    [/alloc_pages_at returns exactly the base/, /a page alloc_pages_at had taken/],
  ]],
];

for (const [fixture, expected] of CASES) {
  Deno.test(`isolation: ${fixture} fails on the right check, and the run ends with 1`, async () => {
    const r = await conformance(fixture);
    assert.equal(r.code, 1, r.out + r.err);
    for (const [contract, why] of expected) {
      const row = r.rows.find((l) => contract.test(l));
      assert.ok(row !== undefined, `no failing row for ${contract} in\n${r.out}`);
      assert.match(row, why);
    }
    assert.match(r.out, /\d+ passed, [1-9]\d* failed\n?$/);
    assert.doesNotMatch(r.out + r.err, /^\s+at /m);
  });
}
