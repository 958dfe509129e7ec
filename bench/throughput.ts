/**
 * `deno task bench`: replays each workload for about a second, in three
 * fresh processes (five for the workloads with a target; as `replay
 * --bench` runs one allocator; the median counts), and prints a Markdown
 * table of Mops/s against native throughput and the issues' targets.
 *
 * Where `../shared/native/` (or `$MMSIM_NATIVE_DIR`) holds the real
 * allocator built natively (buddy, TLSF, slab), each mmsim run alternates with a native run of the same trace
 * in the same minutes, and the ratio is of the two medians: the `native`
 * column says `live`. Elsewhere the ratio divides by a fixed figure measured
 * on another day with another harness, and the column says `fixed`: such a
 * ratio is not a measurement of this machine. Quote ratios, not times:
 * absolute times drift on shared machines.
 *
 * `deno task bench` runs it first; alone, `deno run --allow-read --allow-run
 * --allow-env=MMSIM_NATIVE_DIR bench/throughput.ts [SECONDS] [--rows TEXT]`,
 * where `--rows TEXT` keeps the rows whose allocator or trace contains TEXT
 * (`--rows arceos-2026`); with `--only N` it measures workload N alone
 * and prints its Mops/s (what the parent process runs, with the V8 flags of
 * `deno task replay`).
 *
 * @module
 */

import { readTraceText } from "../cli/read_input.ts";
import {
  generatedTrace,
  loadTrace,
  traceAvailable,
  tracePath,
  warmWorkload,
  WORKLOADS,
} from "./workloads.ts";
import { median, NATIVE, nativeBinary, nativeDir, nativeRun, replayTaskFlags } from "./native.ts";

async function measure(index: number, seconds: number): Promise<number> {
  // After the warm-up, passes for about `seconds`: operations over the time
  // they took, as the native harness and `replay --bench` count.
  const { trace, run, results } = await warmWorkload(index);
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    run(trace, results);
    runs++;
    elapsed = performance.now() - start;
  } while (elapsed < seconds * 1000);
  return trace.length * runs / elapsed / 1000;
}

async function inChild(index: number, seconds: number): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      ...replayTaskFlags(),
      import.meta.filename!,
      String(seconds),
      "--only",
      String(index),
    ],
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success || !/^[\d.]+$/.test(text)) {
    throw new Error(`benchmark ${index} failed: ${text}`);
  }
  return Number(text);
}

const seconds = Number(Deno.args.find((a) => /^\d+(\.\d+)?$/.test(a)) ?? "1");
const only = Deno.args.indexOf("--only");
const rowsAt = Deno.args.indexOf("--rows");
const rowFilter = rowsAt >= 0 ? Deno.args[rowsAt + 1] ?? "" : "";
if (only >= 0) {
  console.log((await measure(Number(Deno.args[only + 1]), seconds)).toFixed(3));
} else {
  const found = Object.keys(NATIVE).filter((a) => nativeBinary(a) !== undefined);
  console.error(
    found.length > 0
      ? `native allocators from ${nativeDir()} (${found.join(", ")}): their ratios are live`
      : `no native allocators in ${nativeDir()} (set MMSIM_NATIVE_DIR to the folder of ` +
        `natbuddy, nattlsf, natslab): every ratio divides by a fixed figure from ` +
        `tests/fidelity/README.md, measured on another day with another harness, and says 'fixed'`,
  );
  const rows: string[] = [
    "| allocator | trace | ops | mmsim Mops/s | native Mops/s | native | ratio | target |",
    "| --- | --- | ---: | ---: | ---: | --- | ---: | --- |",
  ];
  for (let i = 0; i < WORKLOADS.length; i++) {
    const w = WORKLOADS[i];
    if (rowFilter !== "" && !`${w.allocator} ${w.trace}`.includes(rowFilter)) continue;
    if (!traceAvailable(w.trace)) {
      console.error(`${w.allocator} ${w.trace}: the trace is not on this machine, row left out`);
      continue;
    }
    // Medians of three fresh processes (five where an issue sets a target),
    // each alternating with a native run where the native binary is here:
    // this shared machine's speed drifts by a third between minutes.
    const binary = nativeBinary(w.allocator);
    const traceText = binary === undefined
      ? ""
      : generatedTrace(w.trace) ?? await readTraceText(tracePath(w.trace));
    const ours: number[] = [];
    const theirs: number[] = [];
    const hasTarget = w.target !== undefined || w.minMops !== undefined ||
      w.slowerThanChurnAtMost !== undefined;
    const runs = hasTarget ? 5 : 3;
    // A NoMemory-heavy row is compared with the same allocator's rate on
    // successful requests (its baseline, churn unless said) measured in the
    // same minutes, alternating with it.
    const baseline = w.baseline ?? "bytes-churn-1";
    const churnIndex = w.slowerThanChurnAtMost === undefined
      ? -1
      : WORKLOADS.findIndex((x) => x.allocator === w.allocator && x.trace === baseline);
    const churnRuns: number[] = [];
    for (let k = 0; k < runs; k++) {
      if (binary !== undefined) theirs.push(await nativeRun(binary, traceText));
      ours.push(await inChild(i, seconds));
      if (churnIndex >= 0) churnRuns.push(await inChild(churnIndex, seconds));
    }
    const mops = median(ours);
    const churn = churnRuns.length > 0 ? median(churnRuns) : undefined;
    const live = theirs.length > 0;
    const native = live ? median(theirs) : w.native;
    const ops = (await loadTrace(w.trace)).length;
    const ratio = native === undefined ? undefined : mops / native;
    const target = w.slowerThanChurnAtMost !== undefined && churn !== undefined
      ? `within ${w.slowerThanChurnAtMost}x of ${w.baseline ?? "churn"} (${
        (churn / mops).toFixed(2)
      }x): ${churn / mops <= w.slowerThanChurnAtMost ? "met" : "not met"}`
      : w.minMops !== undefined
      ? `>= ${w.minMops} Mops/s: ${mops >= w.minMops ? "met" : "not met"}`
      : w.target === undefined
      ? ""
      : `>= ${w.target}x: ${ratio !== undefined && ratio >= w.target ? "met" : "not met"}${
        live ? "" : " (against a fixed figure)"
      }`;
    rows.push(
      `| ${w.allocator} | ${w.trace} | ${ops} | ${mops.toFixed(2)} | ${
        native === undefined ? "" : live ? native.toFixed(2) : native
      } | ${native === undefined ? "" : live ? "live" : "fixed"} | ${
        ratio === undefined ? "" : ratio.toFixed(2) + "x"
      } | ${target} |`,
    );
    console.error(rows[rows.length - 1]);
  }
  console.log(rows.join("\n"));
}
