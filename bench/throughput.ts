/**
 * `deno task bench`: replays each workload for about a second and prints a
 * Markdown table of Mops/s against the native Rust figures and the issue's
 * targets. Ratios are what to quote: absolute times drift on shared machines.
 *
 * @module
 */

import { replay } from "../runtime/replay.ts";
import { loadTrace, WORKLOADS } from "./workloads.ts";

const seconds = Number(Deno.args[0] ?? "1");
const rows: string[] = [
  "| allocator | trace | ops | mmsim Mops/s | native Mops/s | ratio | target |",
  "| --- | --- | ---: | ---: | ---: | ---: | --- |",
];
for (const w of WORKLOADS) {
  const trace = await loadTrace(w.trace);
  // Warm up, then keep the best run: the least disturbed by other load.
  for (let i = 0; i < 3; i++) replay(trace, w.allocator);
  let best = Infinity;
  const until = performance.now() + seconds * 1000;
  do {
    const t0 = performance.now();
    replay(trace, w.allocator);
    best = Math.min(best, performance.now() - t0);
  } while (performance.now() < until);
  const mops = trace.length / best / 1000;
  const ratio = w.native === undefined ? undefined : mops / w.native;
  const target = w.target === undefined
    ? ""
    : `>= ${w.target}x ${ratio !== undefined && ratio >= w.target ? "met" : "NOT met"}`;
  rows.push(
    `| ${w.allocator} | ${w.trace} | ${trace.length} | ${mops.toFixed(2)} | ${w.native ?? ""} | ${
      ratio === undefined ? "" : ratio.toFixed(2) + "x"
    } | ${target} |`,
  );
  console.error(rows[rows.length - 1]);
}
console.log(rows.join("\n"));
