/**
 * `deno task fuzz --allocator <name | module>`: random operation sequences
 * against an allocator, the contracts' invariants checked after every step
 * (and, with `--exact MODEL`, every result compared with mmsim's model). A
 * failure is shrunk to a short sequence and written as a `.mms` conformance
 * script that reproduces it.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { writeRegularText } from "../runtime/host_files.ts";
import { escapeLines } from "../dsl/diagnostics.ts";
import {
  type FuzzOutcome,
  type FuzzStep,
  isSetupStep,
  reproducer,
  stepsOfLog,
} from "../conformance/fuzz.ts";
import { runIsolated, startRealms, stopSubject, userModule } from "../conformance/isolated.ts";
import { CHILD_HEAP_MIB } from "../conformance/contained.ts";
import type { FuzzRequest, TargetSpec, WorkerMessage } from "../conformance/protocol.ts";
import {
  LINE_LOG_BYTES,
  PROGRESS_BYTES,
  readCalls,
  readLines,
  readProgress,
} from "../conformance/protocol.ts";
import {
  BUILTIN_TARGETS,
  builtinTarget,
  type ConformanceScript,
  FUZZ_LIMITS,
  runConformance,
} from "../conformance/runner.ts";
import { allocatorEntry, ALLOCATORS } from "../mm/registry.ts";
import { wasmModule } from "./wasm_file.ts";

/** The most `--seconds` and `--timeout` take: a million seconds (11.6 days). */
const MAX_SECONDS = 1_000_000;

const USAGE =
  `Usage: deno task fuzz --allocator NAME|MODULE.ts|MODULE.wasm [--allow-user-code] [--seconds N]
       [--seed S] [--exact MODEL] [--shard K/N] [--out FILE] [--reporter text|junit]

Fuzzes an allocator: random sequences of allocations, frees, add_memory
(bytes), alloc_pages_at (pages) or alloc_fixed_id (IDs), with every contract
invariant checked after every step. A failure shrinks to a short sequence,
written as a conformance script (--out, default fuzz-repro.mms) with the
command that replays it.

  --allocator NAME     a built-in allocator (${ALLOCATORS.map((a) => a.name).join(", ")})
  --allocator FILE.ts  your module (needs --allow-user-code; it runs in a worker
                       with no permissions, in a child process of its own)
  --allocator FILE.wasm  an allocator compiled to WebAssembly (docs/WASM_ABI.md);
                       no --allow-user-code needed
  --family F           bytes or pages: which family of a .wasm module that
                       exports both (default bytes)
  --seconds N          how long to fuzz (default 10; at most 1000000)
  --seed S             the campaign's seed (default 1; the same seed, the same run)
  --exact MODEL        compare every result with mmsim's model of MODEL (its
                       32-bit variant for a wasm32 module)
  --shard K/N          campaign K of N disjoint ones (a CI matrix)
  --timeout SECONDS    how long one call may take (default 10; at most 1000000)
  --out FILE           where the reproducer goes (default fuzz-repro.mms)
  --reporter R         text (default) or junit

Exit code 0 when no sequence broke a contract, 1 when one did, 2 for bad usage.
`;

/** Whether `CI` is set (read only where the permission to read it was given). */
function inCi(): boolean {
  const env = { name: "env", variable: "CI" } as const;
  return Deno.permissions.querySync(env).state === "granted" && Deno.env.get("CI") !== undefined;
}

/** Where the command writes. */
export interface FuzzIo {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
  /** Writes the reproducer. */
  write(path: string, text: string): void;
  /** Why the reproducer could not be written to `path`, if it could not (checked before fuzzing). */
  unwritable(path: string): string | undefined;
  /** Whether progress may be shown (a terminal, not CI). */
  progress: boolean;
  /** Rewrites the progress line. */
  status(text: string): void;
}

const STDIO: FuzzIo = {
  out: (t) => console.log(t),
  err: (t) => console.error(t),
  write: (p, t) => p === "/dev/null" ? undefined : writeRegularText(p, t),
  unwritable: (p) => {
    // Anywhere the user names: write permission for exactly that path
    // (asked for when a terminal can answer), never through a link.
    if (p === "/dev/null") return undefined;
    let info: Deno.FileInfo | undefined;
    try {
      info = Deno.lstatSync(p);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) return (e as Error).message;
    }
    if (info?.isSymlink) {
      return `${p} is a symbolic link: the reproducer is not written through links`;
    }
    if (info !== undefined && !info.isFile) return `${p} is not a regular file`;
    const dir = p.includes("/") ? p.slice(0, p.lastIndexOf("/")) || "/" : ".";
    try {
      if (!Deno.statSync(dir).isDirectory) return `${dir} is not a directory`;
    } catch (e) {
      return e instanceof Deno.errors.NotFound
        ? `the directory ${dir} does not exist`
        : `cannot look at ${dir}: ${(e as Error).message}`;
    }
    const ask = { name: "write", path: p } as const;
    let state = Deno.permissions.querySync(ask).state;
    if (state === "prompt" && Deno.stdin.isTerminal()) {
      state = Deno.permissions.requestSync(ask).state;
    }
    return state === "granted" ? undefined : `no write permission for it; run\n` +
      `  deno run --allow-read --allow-write=${p} --allow-run --allow-env=CI ` +
      "--unstable-worker-options cli/fuzz.ts ...";
  },
  progress: Deno.stderr.isTerminal() && !inCi(),
  status: (t) => Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${t}`)),
};

/**
 * Runs the command; returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { main } from "./fuzz.ts";
 * Deno.exit(await main(["--allocator", "tlsf", "--seconds", "5"]));
 * ```
 */
export async function main(args: string[], io0: FuzzIo = STDIO): Promise<number> {
  const io: FuzzIo = {
    ...io0,
    out: (t) => io0.out(escapeLines(t)),
    err: (t) => io0.err(escapeLines(t)),
  };
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        allocator: { type: "string" },
        family: { type: "string" },
        "allow-user-code": { type: "boolean" },
        // Internal: the child process that runs a user's module (see contain()).
        contained: { type: "boolean" },
        "show-progress": { type: "boolean" },
        seconds: { type: "string" },
        seed: { type: "string" },
        exact: { type: "string" },
        shard: { type: "string" },
        out: { type: "string" },
        timeout: { type: "string" },
        reporter: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    io.err(`fuzz: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const o = parsed.values;
  if (o.help) {
    io.out(USAGE);
    return 0;
  }
  const bad = (message: string) => (io.err(`fuzz: ${message}`), 2);
  if (o.allocator === undefined) return bad("--allocator is required");
  // Each at most MAX_SECONDS: the campaign's watchdog is a timer of both
  // (and a minute), and a timer past 2^31 ms would fire at once.
  const seconds = o.seconds === undefined ? 10 : Number(o.seconds);
  if (!(seconds > 0 && seconds <= MAX_SECONDS)) {
    return bad(
      `--seconds takes a positive number up to ${MAX_SECONDS} (11 days), not '${o.seconds}'`,
    );
  }
  const timeout = o.timeout === undefined ? 10 : Number(o.timeout);
  if (!(timeout > 0 && timeout <= MAX_SECONDS)) {
    return bad(
      `--timeout takes a positive number up to ${MAX_SECONDS} (11 days), not '${o.timeout}'`,
    );
  }
  if (o.seed !== undefined && !/^[0-9]{1,9}$/.test(o.seed)) {
    return bad(`--seed takes an integer from 0 to 999999999, not '${o.seed}'`);
  }
  const reporter = o.reporter ?? "text";
  if (reporter !== "text" && reporter !== "junit") {
    return bad(`--reporter is text or junit, not '${reporter}'`);
  }
  let shard = { k: 1, n: 1 };
  if (o.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(o.shard);
    if (m === null || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) {
      return bad(`--shard takes K/N with 1 <= K <= N, not '${o.shard}'`);
    }
    shard = { k: Number(m[1]), n: Number(m[2]) };
  }
  // Shards split the seed space: campaign K of N fuzzes the seeds K-1, K-1+N, ...
  const seed = Number(o.seed ?? "1") * shard.n + shard.k - 1;
  const path = o.out ?? "fuzz-repro.mms";
  const unwritable = io.unwritable(path);
  if (unwritable !== undefined) return bad(`--out ${path}: ${unwritable}`);
  if (o.exact !== undefined) {
    const e = allocatorEntry(o.exact);
    if (e === undefined) {
      return bad(`--exact takes a built-in model, not '${o.exact}'`);
    }
  }
  let target: TargetSpec;
  let readable: string[] = [];
  const builtin = builtinTarget(o.allocator);
  if (builtin !== undefined) {
    if (builtin.subject === undefined) {
      const driven = BUILTIN_TARGETS.filter((n) => builtinTarget(n)?.subject !== undefined);
      return bad(
        `${o.allocator} is not an allocator the fuzzer drives (it drives ${
          driven.join(", ")
        }, and your modules); its contracts run in ` +
          `deno task conformance --allocator ${o.allocator}`,
      );
    }
    target = { builtin: o.allocator };
  } else if (o.allocator.endsWith(".wasm")) {
    const m = wasmModule(o.allocator);
    if ("problem" in m) return bad(m.problem);
    const family = o.family === "pages"
      ? "PageAllocator"
      : o.family === undefined || o.family === "bytes"
      ? (m.module.families.includes("ByteAllocator") ? "ByteAllocator" : "PageAllocator")
      : undefined;
    if (family === undefined) return bad(`--family is bytes or pages, not '${o.family}'`);
    if (!m.module.families.includes(family)) {
      return bad(`${o.allocator} exports no ${o.family === "pages" ? "page" : "byte"} allocator`);
    }
    target = { wasm: m.bytes, path: o.allocator, family };
  } else if (/\.(ts|js|mjs|mts)$/.test(o.allocator)) {
    if (!o["allow-user-code"]) {
      return bad(`${o.allocator} is your code; running it needs --allow-user-code`);
    }
    const m = userModule(o.allocator);
    if ("problem" in m) return bad(m.problem);
    target = m.spec;
    readable = m.readable;
    if (!o.contained) {
      return await contain(args, o.allocator, path, io0, io.progress, {
        junit: reporter === "junit",
        seed,
      });
    }
  } else {
    return bad(
      `unknown allocator '${o.allocator}'; built-ins: ${
        BUILTIN_TARGETS.join(", ")
      }, a .ts module or a .wasm module`,
    );
  }
  if (o.family !== undefined && !("wasm" in target)) {
    return bad("--family is for a .wasm module that exports both families");
  }

  if (o["show-progress"]) io.progress = true;
  const progress = new SharedArrayBuffer(PROGRESS_BYTES);
  const request: FuzzRequest = {
    campaign: true,
    target,
    seed,
    ms: seconds * 1000,
    exact: o.exact,
    progress,
    lines: new SharedArrayBuffer(LINE_LOG_BYTES),
  };
  const t0 = performance.now();
  const result = await campaign(request, readable, timeout, (operations) => {
    if (!io.progress) return;
    const elapsed = (performance.now() - t0) / 1000;
    const rate = Math.round(operations / Math.max(elapsed, 0.001));
    const left = Math.max(0, seconds - elapsed);
    io.status(
      `fuzzing ${o.allocator}: ${operations.toLocaleString("en")} operations, ${
        rate.toLocaleString("en")
      }/s, ${left.toFixed(0)} s left`,
    );
  });
  if (io.progress) io.status("");
  if (result.kind === "module-error") return bad(`cannot use ${o.allocator}: ${result.message}`);
  const took = (performance.now() - t0) / 1000;
  const userCode = builtin === undefined && !("wasm" in target);
  const replay = (path: string) =>
    `deno task conformance --allocator ${o.allocator}${
      userCode ? " --allow-user-code" : ""
    } --script ${path}`;
  let failure: string | undefined;
  let summary: string;
  const how = `--allocator ${o.allocator} --seed ${o.seed ?? "1"}${
    o.shard ? ` --shard ${o.shard}` : ""
  }${o.exact ? ` --exact ${o.exact}` : ""}`;
  const save = (kind: Kind, outcome: FuzzOutcome): string | undefined => {
    try {
      io.write(path, reproducer(kind, outcome, how));
      return undefined;
    } catch (e) {
      return `the reproducer could not be written to ${path}: ${(e as Error).message}`;
    }
  };
  if (result.kind === "hang") {
    // A try that hangs costs the whole time limit, one that does not is quick:
    // the shortest tail of the sequence (1, 2, 5, ... 200 steps) that still
    // hangs is the reproducer, found with one time limit spent.
    failure = `${result.op || "a call"} did not return within ${timeout} s`;
    const kind = result.subject ?? "ByteAllocator";
    let steps = stepsOfLog(readLines(request.lines));
    if (steps.length > 1) {
      if (io.progress) io.status(`${failure}: shrinking the sequence (${steps.length} operations)`);
      steps = await shrinkHang(steps, kind, target, readable, timeout, failure);
      if (io.progress) io.status("");
    }
    const lines = steps.flatMap((st) => st.lines);
    const problem = lines.length > 0
      ? save(kind, { failure, steps, runs: 1, operations: 0 })
      : undefined;
    summary = `fuzz: ${o.allocator}: ${failure} (seed ${seed})` +
      (problem !== undefined
        ? `\n  ${problem}`
        : lines.length > 0
        ? `\n  the sequence that reaches it (${
          operations(steps.length)
        }) is in ${path}\n  replay it: ${replay(path)}`
        : "");
  } else if (result.done.failure !== undefined) {
    failure = result.done.failure;
    const problem = save(result.done.interface, result.done);
    summary = `fuzz: ${o.allocator}: ${failure}\n` +
      (problem !== undefined
        ? `  shrunk to ${operations(result.done.steps.length)}; ${problem}`
        : `  shrunk to ${operations(result.done.steps.length)}, written to ${path}\n` +
          (await checkReproducer(
            reproducer(result.done.interface, result.done, how),
            result.done.interface,
            target,
            readable,
            timeout,
          )) +
          `  replay it: ${replay(path)}`);
  } else {
    summary =
      `fuzz: ${o.allocator}: ${result.done.operations.toLocaleString("en")} operations in ` +
      `${result.done.runs.toLocaleString("en")} sequences (${took.toFixed(1)} s, seed ${seed}${
        o.exact ? `, compared with ${o.exact}` : ""
      }): every contract held` +
      (builtin && FUZZ_LIMITS[o.allocator] ? ` (${FUZZ_LIMITS[o.allocator].why})` : "");
  }
  if (reporter === "junit") {
    io.out(junit(o.allocator, seed, took, failure));
    if (failure) io.err(summary);
  } else if (failure) io.err(summary);
  else io.out(summary);
  return failure ? 1 : 0;
}

/** The campaign as a JUnit report: one test case, failed or not. */
function junit(allocator: string, seed: number, seconds: number, failure?: string): string {
  const xml = (s: string) =>
    s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll(
      '"',
      "&quot;",
    );
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="mmsim fuzz" tests="1" failures="${failure ? 1 : 0}">`,
    `  <testsuite name="${xml(allocator)}" tests="1" failures="${failure ? 1 : 0}">`,
    `    <testcase classname="fuzz" name="${xml(`seed ${seed}`)}" time="${seconds.toFixed(3)}"${
      failure ? `>\n      <failure message="${xml(failure)}"/>\n    </testcase>` : "/>"
    }`,
    "  </testsuite>",
    "</testsuites>",
  ].join("\n");
}

/** mmsim's model of each interface: a reproducer must hold on it. */
const MODEL_OF: Readonly<Record<Kind, string>> = {
  ByteAllocator: "tlsf",
  PageAllocator: "bitmap",
  IdAllocator: "id",
};

/**
 * What a reproducer proves, checked before it is handed over: that it
 * holds on mmsim's model of the interface (it asserts the contracts, not
 * what one allocator chose) and fails on the allocator that was fuzzed.
 * Lines for the summary.
 */
async function checkReproducer(
  source: string,
  kind: Kind,
  target: TargetSpec,
  readable: string[],
  timeout: number,
): Promise<string> {
  const script: ConformanceScript = {
    path: "fuzz-repro.mms",
    source,
    interface: kind,
    level: "contract",
  };
  const model = MODEL_OF[kind];
  const onModel = runConformance(script, builtinTarget(model)!, 1n, {
    contractTimeLimit: timeout * 20,
  });
  const modelFailure = onModel.find((r) => !r.ok)?.failure;
  const onSubject = await runIsolated([script], target, {
    seed: 1n,
    timeout,
    fuzzMs: 0,
    fuzzSeed: 1,
    readable,
  });
  const subjectFailure = onSubject.ok ? onSubject.rows.find((r) => !r.ok)?.failure : undefined;
  return (modelFailure === undefined
    ? `  checked: it holds on mmsim's ${model}`
    : `  warning: it fails on mmsim's ${model} too (${modelFailure})`) +
    (subjectFailure !== undefined
      ? ", and fails on this allocator\n"
      : "; it did not fail again on this allocator (the failure depends on more than these " +
        "operations)\n");
}

/** The shortest of a few tails of a hanging sequence that still hangs, run in a worker. */
async function shrinkHang(
  steps: FuzzStep[],
  kind: Kind,
  target: TargetSpec,
  readable: string[],
  timeout: number,
  failure: string,
): Promise<FuzzStep[]> {
  // The first step makes the subject in the region the sequence drew: kept.
  const head = steps.length > 0 && isSetupStep(steps[0]) ? [steps[0]] : [];
  for (const tail of [1, 2, 5, 10, 20, 50, 100, 200]) {
    if (tail + head.length >= steps.length) break;
    const candidate = [...head, ...steps.slice(-tail)];
    const source = reproducer(kind, { failure, steps: candidate, runs: 1, operations: 0 }, "");
    const outcome = await runIsolated(
      [{ path: "fuzz-repro.mms", source, interface: kind, level: "contract" }],
      target,
      { seed: 1n, timeout, fuzzMs: 0, fuzzSeed: 1, readable },
    );
    if (outcome.ok && outcome.rows.some((r) => r.failure?.includes("did not return"))) {
      return candidate;
    }
  }
  return steps;
}

const operations = (n: number) => `${n} operation${n === 1 ? "" : "s"}`;

/**
 * Runs the campaign on a user's module in a child process: an allocator that
 * exhausts memory makes V8 abort the process it runs in, and that must not
 * be this one. The child's output is passed on as it comes (V8's crash
 * report excepted), and a child killed that way is a failure, named.
 */
async function contain(
  args: string[],
  allocator: string,
  outPath: string,
  io: FuzzIo,
  progress: boolean,
  report: { junit: boolean; seed: number },
): Promise<number> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--cached-only",
      "--allow-read",
      `--allow-write=${outPath}`,
      "--unstable-worker-options",
      `--v8-flags=--max-old-space-size=${CHILD_HEAP_MIB}`,
      new URL(import.meta.url).pathname,
      ...args,
      "--contained",
      ...(progress ? ["--show-progress"] : []),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let crashed = false;
  const pass = async (stream: ReadableStream<Uint8Array>, write: (t: string) => void) => {
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      if (/Fatal JavaScript out of memory|<--- Last few GCs --->|# Fatal/.test(text)) {
        crashed = true;
      }
      if (!crashed) write(text);
    }
  };
  // The child escapes what it prints already; its bytes go through as they are.
  const raw = (file: typeof Deno.stdout) => (t: string) =>
    file.writeSync(new TextEncoder().encode(t));
  const [out, err] = io === STDIO
    ? [raw(Deno.stdout), raw(Deno.stderr)]
    : [(t: string) => io.out(t.replace(/\n$/, "")), (t: string) => io.err(t.replace(/\n$/, ""))];
  await Promise.all([pass(child.stdout, out), pass(child.stderr, err)]);
  const status = await child.status;
  if (status.code === 0 || status.code === 1 || status.code === 2) return status.code;
  if (progress) io.status("");
  const failure = `the allocator ${
    crashed
      ? `exhausted the memory of its worker (a heap of ${CHILD_HEAP_MIB} MiB)`
      : `ended its process (${
        status.signal ? `signal ${status.signal}` : `exit code ${status.code}`
      })`
  }`;
  if (report.junit) {
    io.out(junit(allocator, report.seed, (performance.now() - t0) / 1000, failure));
  }
  io.err(`fuzz: ${allocator}: ${failure}; no reproducer could be written`);
  return 1;
}

type CampaignEnd =
  | { kind: "done"; done: Extract<WorkerMessage, { kind: "fuzz-done" }> }
  | { kind: "module-error"; message: string }
  | { kind: "hang"; op: string; subject?: Kind };

type Kind = "ByteAllocator" | "PageAllocator" | "IdAllocator";

/** Runs the campaign in a worker; a call that hangs ends it. */
async function campaign(
  request: FuzzRequest,
  readable: string[],
  timeout: number,
  onProgress: (operations: number) => void,
): Promise<CampaignEnd> {
  const realms = await startRealms(request.target, readable);
  if ("problem" in realms) return { kind: "module-error", message: realms.problem };
  const worker = realms.checker;
  return new Promise((resolve) => {
    let last = -1;
    let stuck = 0;
    let subject: Kind | undefined;
    const finish = (end: CampaignEnd) => {
      clearTimeout(timer);
      clearInterval(ticker);
      worker.terminate();
      stopSubject(realms);
      resolve(end);
    };
    // The campaign's own budget, and a watch on the call in progress.
    const timer = setTimeout(
      () => finish({ kind: "hang", op: readProgress(request.progress), subject }),
      request.ms + (timeout + 60) * 1000,
    );
    const ticker = setInterval(() => {
      const op = readProgress(request.progress);
      const calls = readCalls(request.progress);
      stuck = op !== "" && calls === last ? stuck + 1 : 0;
      last = calls;
      if (stuck * 250 >= timeout * 1000) finish({ kind: "hang", op, subject });
    }, 250);
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data;
      if (m.kind === "fuzz-progress") onProgress(m.operations);
      else if (m.kind === "target") {
        const k = m.interfaces[0];
        if (k === "ByteAllocator" || k === "PageAllocator" || k === "IdAllocator") subject = k;
      } else if (m.kind === "fuzz-done") finish({ kind: "done", done: m });
      else if (m.kind === "module-error") finish({ kind: "module-error", message: m.message });
    };
    worker.onerror = (e) => {
      e.preventDefault();
      finish({ kind: "module-error", message: e.message });
    };
    worker.postMessage({ ...request, target: realms.spec });
  });
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
