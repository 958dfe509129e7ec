/**
 * The spread of replay speed over fresh processes: each row replayed in
 * `--runs` (20) fresh processes by each of two methods, alternating with the
 * native build of the real allocator in the same minutes, then the worst,
 * median and best rate of each method and their ratios to the native
 * median. A user gets whichever mode V8 picks on their run, so the worst
 * process is the figure that counts.
 *
 * Each round runs the native build and both methods once, seconds apart,
 * and the machine's speed drifts between minutes (the native rate too, by a
 * fifth or more): so the table also gives each process's ratio to the
 * native run of its own round, the worst and the median of those (a drift
 * that slows both cancels there; what slows one only does not), and says
 * whether every process reached 0.5x by both reckonings.
 *
 * The two methods:
 * - `bench`: what `deno task bench` runs (`bench/throughput.ts --only`): the
 *   trace parsed once, a quarter of a second of untimed passes, then passes
 *   for `--seconds`.
 * - `replay`: the simplest, what a user types: `deno task replay --allocator
 *   A --bench --seconds S TRACE` (the same V8 flags; its own warm-up).
 *
 * ```sh
 * deno task spread [--runs 20] [--seconds 1] [--rows TEXT]
 * # or: deno run --allow-read --allow-run --allow-env=MMSIM_NATIVE_DIR bench/spread.ts \
 *   [--runs 20] [--seconds 1] [--rows TEXT]
 * ```
 *
 * Without `--rows`, the rows of issue 30: buddy, slab and TLSF on
 * `bytes-churn-1` and `bytes-mixed-1`; `--rows TEXT` takes every workload
 * with a native build whose allocator or trace contains TEXT (`--rows
 * arceos-2026`), of those whose trace is a file (the `replay` method reads
 * one; the generated out-of-memory traces are left out). Progress (rate,
 * time left) goes to a terminal only.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { readTraceText } from "../cli/read_input.ts";
import { generatedTrace, traceAvailable, tracePath, WORKLOADS } from "./workloads.ts";
import { median, nativeBinary, nativeDir, nativeRun, replayTaskFlags } from "./native.ts";
import { Progress } from "./progress.ts";

function options() {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        runs: { type: "string", default: "20" },
        seconds: { type: "string", default: "1" },
        rows: { type: "string" },
      },
    }).values;
  } catch (e) {
    console.error(`spread: ${(e as Error).message} (options: --runs N, --seconds S, --rows TEXT)`);
    Deno.exit(2);
  }
}
const values = options();
const runs = Number(values.runs);
const seconds = Number(values.seconds);
if (!(Number.isInteger(runs) && runs > 0) || !(seconds > 0)) {
  console.error("spread: --runs takes a positive integer, --seconds a positive number");
  Deno.exit(2);
}

const ISSUE_ROWS = ["bytes-churn-1", "bytes-mixed-1"];
const rows = WORKLOADS.map((w, index) => ({ w, index })).filter(({ w }) =>
  nativeBinary(w.allocator) !== undefined && traceAvailable(w.trace) &&
  generatedTrace(w.trace) === undefined &&
  (values.rows === undefined
    ? ["buddy", "slab", "tlsf"].includes(w.allocator) && ISSUE_ROWS.includes(w.trace)
    : `${w.allocator} ${w.trace}`.includes(values.rows))
);
if (rows.length === 0) {
  console.error(
    `spread: no row to measure (the native builds are looked for in ${nativeDir()}, ` +
      `set MMSIM_NATIVE_DIR; --rows ${values.rows ?? ""})`,
  );
  Deno.exit(1);
}

const flags = replayTaskFlags();
const throughput = new URL("./throughput.ts", import.meta.url).pathname;
const replayCli = new URL("../cli/replay.ts", import.meta.url).pathname;

async function child(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args, stderr: "inherit" }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) throw new Error(`deno ${args.join(" ")} failed: ${text}`);
  return text;
}

/** The `bench` method: one fresh process of `bench/throughput.ts --only`. */
async function benchMethod(index: number): Promise<number> {
  const text = await child([
    "run",
    "--allow-read",
    ...flags,
    throughput,
    String(seconds),
    "--only",
    String(index),
  ]);
  if (!/^[\d.]+$/.test(text)) throw new Error(`throughput.ts --only ${index}: ${text}`);
  return Number(text);
}

/** The `replay` method: `deno task replay --allocator A --bench --seconds S TRACE`. */
async function replayMethod(allocator: string, trace: string): Promise<number> {
  const text = await child([
    "run",
    "--cached-only",
    "--allow-read",
    ...flags,
    replayCli,
    "--allocator",
    allocator,
    "--bench",
    "--seconds",
    String(seconds),
    tracePath(trace),
  ]);
  const m = /([\d.]+) Mops\/s/.exec(text);
  if (m === null) throw new Error(`replay --bench: ${text}`);
  return Number(m[1]);
}

const progress = new Progress(rows.length * runs, "rounds");

const fmt = (x: number) => x.toFixed(2);
const table: string[] = [
  "| allocator | trace | method | runs | worst | median | best Mops/s | native median (worst-best) | ratio worst | ratio median | round ratio worst | round ratio median | 0.5x in every run (native median / own round) |",
  "| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |",
];
const agreement: string[] = [];
for (const { w, index } of rows) {
  const binary = nativeBinary(w.allocator)!;
  const traceText = await readTraceText(tracePath(w.trace));
  const native: number[] = [];
  const bench: number[] = [];
  const simple: number[] = [];
  for (let k = 0; k < runs; k++) {
    progress.show(`${w.allocator} ${w.trace}`);
    // The order rotates, so that no method always follows the same one.
    const steps = [
      async () => native.push(await nativeRun(binary, traceText)),
      async () => bench.push(await benchMethod(index)),
      async () => simple.push(await replayMethod(w.allocator, w.trace)),
    ];
    for (let s = 0; s < steps.length; s++) await steps[(s + k) % steps.length]();
    progress.step();
  }
  const nat = median(native);
  for (const [method, xs] of [["bench", bench], ["replay", simple]] as const) {
    const worst = Math.min(...xs);
    // Each process against the native run of its own round.
    const rounds = xs.map((x, k) => x / native[k]);
    const roundWorst = Math.min(...rounds);
    table.push(
      `| ${w.allocator} | ${w.trace} | ${method} | ${xs.length} | ${fmt(worst)} | ${
        fmt(median(xs))
      } | ${fmt(Math.max(...xs))} | ${fmt(nat)} (${fmt(Math.min(...native))}-${
        fmt(Math.max(...native))
      }) | ${fmt(worst / nat)}x | ${fmt(median(xs) / nat)}x | ${fmt(roundWorst)}x | ${
        fmt(median(rounds))
      }x | ${worst / nat >= 0.5 ? "yes" : "no"} / ${roundWorst >= 0.5 ? "yes" : "no"} |`,
    );
  }
  agreement.push(
    `${w.allocator} ${w.trace}: bench/replay medians ${fmt(median(bench) / median(simple))}x`,
  );
  progress.clear();
  console.error(table.slice(-2).join("\n"));
}
console.log(table.join("\n"));
console.log("");
console.log(agreement.join("\n"));
