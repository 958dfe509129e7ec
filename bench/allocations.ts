/**
 * What a replay allocates from V8's heap, per operation, once warm: the
 * memory side of `bench/throughput.ts`. A replay's steady state should
 * allocate nothing per operation (its results, handles and the models'
 * tables are typed arrays made once); where V8 boxes a double (a heap
 * number for an address it could not keep unboxed across a call it did
 * not inline) every allocation costs a heap object and the replay a minor
 * GC every few milliseconds, and the rate follows whichever inlining V8
 * chose in that process.
 *
 * Each workload is replayed in `--runs` (3) fresh processes with the V8
 * flags of `deno task replay`; each warms up for a quarter of a second (as
 * the throughput benchmark does), then replays `--passes` (100) passes
 * under V8's sampling heap profiler (`node:inspector`, a sample every 256
 * bytes) and reports the bytes per operation (allocator setup included:
 * each pass is a fresh allocator) and the functions that allocated most.
 *
 * ```sh
 * deno run --allow-read --allow-run bench/allocations.ts [--rows TEXT] [--runs 3] [--passes 100]
 * # (each process runs with --allow-sys: the profiler is an inspector session)
 * ```
 *
 * Without `--rows`, the workloads with a throughput target; `--rows TEXT`
 * takes every workload whose allocator or trace contains TEXT. (`--only N`
 * measures workload N in this process and prints one JSON line: what the
 * parent runs.)
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Session } from "node:inspector";
import { traceAvailable, warmWorkload, WORKLOADS } from "./workloads.ts";
import { median, replayTaskFlags } from "./native.ts";
import { Progress } from "./progress.ts";

/** One process's measurement. */
interface Sample {
  bytesPerOp: number;
  bytesPerPass: number;
  /** The functions that allocated most (name, file:line), with their bytes per pass. */
  top: { site: string; bytesPerPass: number }[];
}

/** A node of V8's sampling heap profile. */
interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

function options() {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        rows: { type: "string" },
        runs: { type: "string", default: "3" },
        passes: { type: "string", default: "100" },
        only: { type: "string" },
      },
    }).values;
  } catch (e) {
    console.error(
      `allocations: ${(e as Error).message} (options: --rows TEXT, --runs N, --passes N)`,
    );
    Deno.exit(2);
  }
}

const values = options();
const runs = Number(values.runs);
const passes = Number(values.passes);
if (!(Number.isInteger(runs) && runs > 0) || !(Number.isInteger(passes) && passes > 0)) {
  console.error("allocations: --runs and --passes take positive integers");
  Deno.exit(2);
}

/** Posts an inspector command and waits for its answer. */
function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (err, result) => err ? reject(err) : resolve(result as T))
  );
}

/** Measures workload `index` in this process. */
async function measure(index: number): Promise<Sample> {
  const { trace, run, results } = await warmWorkload(index);
  const session = new Session();
  session.connect();
  await post(session, "HeapProfiler.enable");
  await post(session, "HeapProfiler.startSampling", {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  for (let k = 0; k < passes; k++) run(trace, results);
  const { profile } = await post<{ profile: { head: ProfileNode } }>(
    session,
    "HeapProfiler.stopSampling",
  );
  session.disconnect();
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode) => {
    if (node.selfSize > 0) {
      const f = node.callFrame;
      const file = f.url.replace(/^.*\/(bench|cli|dsl|hal|mm|runtime|trace)\//, "$1/");
      const site = `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const c of node.children) walk(c);
  };
  walk(profile.head);
  return {
    bytesPerOp: total / passes / trace.length,
    bytesPerPass: total / passes,
    top: [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([site, bytes]) => ({
      site,
      bytesPerPass: bytes / passes,
    })),
  };
}

if (values.only !== undefined) {
  const index = Number(values.only);
  if (!(Number.isInteger(index) && index >= 0 && index < WORKLOADS.length)) {
    console.error(`allocations: --only takes a workload's index, 0 to ${WORKLOADS.length - 1}`);
    Deno.exit(2);
  }
  console.log(JSON.stringify(await measure(index)));
  Deno.exit(0);
}

const rows = WORKLOADS.map((w, index) => ({ w, index })).filter(({ w }) =>
  traceAvailable(w.trace) &&
  (values.rows === undefined
    ? w.target !== undefined
    : `${w.allocator} ${w.trace}`.includes(values.rows))
);
if (rows.length === 0) {
  console.error(
    values.rows === undefined
      ? "allocations: no workload with a target has its trace here (tests/fidelity/ missing?)"
      : `allocations: no workload matches --rows ${values.rows}`,
  );
  Deno.exit(1);
}

async function inChild(index: number): Promise<Sample> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-sys",
      ...replayTaskFlags(),
      import.meta.filename!,
      "--only",
      String(index),
      "--passes",
      String(passes),
    ],
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) throw new Error(`workload ${index} failed: ${text}`);
  return JSON.parse(text) as Sample;
}

const progress = new Progress(rows.length * runs, "processes");

const table = [
  "| allocator | trace | bytes/op (median) | bytes/op (processes) | bytes/pass (median) | allocated most (bytes/pass, median process) |",
  "| --- | --- | ---: | --- | ---: | --- |",
];
for (const { w, index } of rows) {
  const samples: Sample[] = [];
  for (let k = 0; k < runs; k++) {
    progress.show(`${w.allocator} ${w.trace}`);
    try {
      samples.push(await inChild(index));
    } catch (e) {
      progress.clear();
      console.error(`allocations: ${w.allocator} ${w.trace}: ${(e as Error).message}`);
      Deno.exit(1);
    }
    progress.step();
  }
  samples.sort((a, b) => a.bytesPerOp - b.bytesPerOp);
  const mid = samples[(samples.length - 1) >> 1];
  table.push(
    `| ${w.allocator} | ${w.trace} | ${median(samples.map((s) => s.bytesPerOp)).toFixed(2)} | ${
      samples.map((s) => s.bytesPerOp.toFixed(2)).join(", ")
    } | ${Math.round(median(samples.map((s) => s.bytesPerPass)))} | ${
      mid.top.map((t) => `${t.site} (${Math.round(t.bytesPerPass)})`).join("; ")
    } |`,
  );
}
progress.clear();
console.log(table.join("\n"));
