/**
 * What fuzzing and isolation cost: checked operations per second when
 * fuzzing built-in allocators; how long a failure that takes about a
 * thousand operations to find takes to shrink, and to how many operations;
 * the conformance suite run in a Worker against the same run in-process.
 *
 * @module
 */

import type { ByteAllocator } from "../mm/allocator/traits.ts";
import { TlsfByteAllocator } from "../mm/allocator/tlsf_byte_allocator.ts";
import { fuzzSubject, STEP_MARK } from "../conformance/fuzz.ts";
import { runIsolated } from "../conformance/isolated.ts";
import {
  builtinTarget,
  type ConformanceScript,
  fuzzLimits,
  parseHeader,
  runConformance,
} from "../conformance/runner.ts";
import type { Subject } from "../runtime/world.ts";

/** Checked operations per second fuzzing the built-in `name` for `ms` milliseconds. */
export function fuzzRate(name: string, ms = 2000): number {
  const target = builtinTarget(name)!;
  const t0 = performance.now();
  const outcome = fuzzSubject(target.subject!, { seed: 1, ms, ...fuzzLimits(target) });
  const s = (performance.now() - t0) / 1000;
  if (outcome.failure !== undefined) throw new Error(`${name}: ${outcome.failure}`);
  return outcome.operations / s;
}

/**
 * A TLSF that hands out a block 4 bytes past its start for one narrow band
 * of requests (sizes 300 to 339 at alignment 16): rare enough that the
 * fuzzer meets it only after about a thousand operations.
 */
const rare = (size: number, align: number) => size >= 300 && size < 340 && align === 16;

class RareBug implements ByteAllocator {
  #inner = new TlsfByteAllocator();
  init(start: number, size: number): void {
    this.#inner.init(start, size);
  }
  addMemory(start: number, size: number): void {
    this.#inner.addMemory(start, size);
  }
  alloc(size: number, align: number): number {
    const p = this.#inner.alloc(size, align);
    return rare(size, align) ? p + 4 : p;
  }
  dealloc(ptr: number, size: number, align: number): void {
    this.#inner.dealloc(rare(size, align) ? ptr - 4 : ptr, size, align);
  }
  totalBytes(): number {
    return this.#inner.totalBytes();
  }
  usedBytes(): number {
    return this.#inner.usedBytes();
  }
  availableBytes(): number {
    return this.#inner.availableBytes();
  }
}

/** Shrinking: operations until the rare bug is met, the shrunk length, and milliseconds. */
export function shrinkCost(seed = 1): { found: number; steps: number; ms: number } {
  const subject: Subject = { name: "rare bug", kind: "ByteAllocator", make: () => new RareBug() };
  // Operations (steps of the sequences) until the bug is first met.
  let found = 0;
  let counting = true;
  const t0 = performance.now();
  const outcome = fuzzSubject(subject, {
    seed,
    ms: 60_000,
    onLine: (line) => {
      if (counting && line === STEP_MARK) found++;
    },
    onCall: (op) => {
      const m = /^alloc\((\d+), (\d+)\)$/.exec(op);
      if (m !== null && rare(Number(m[1]), Number(m[2]))) counting = false;
    },
  });
  const ms = performance.now() - t0;
  if (outcome.failure === undefined) throw new Error("the rare bug was not found");
  return { found, steps: outcome.steps.length, ms };
}

/** What running the byte allocators' suite on tlsf in a Worker costs, best of `runs` (ms). */
export interface IsolationCost {
  /** The contracts' own time, summed, in a Worker. */
  workerContracts: number;
  /** The same, in-process. */
  inProcessContracts: number;
  /** The whole run in a Worker: starting it and loading mmsim in it included. */
  workerTotal: number;
  /** The whole run in-process. */
  inProcessTotal: number;
}

/** The byte allocators' suite on tlsf, in a Worker and in-process. */
export async function isolationCost(runs = 5): Promise<IsolationCost> {
  const path = new URL("../conformance/suite/byte_allocator/contract.mms", import.meta.url)
    .pathname;
  const script: ConformanceScript = parseHeader(path, Deno.readTextFileSync(path));
  const target = builtinTarget("tlsf")!;
  const best: IsolationCost = {
    workerContracts: Infinity,
    inProcessContracts: Infinity,
    workerTotal: Infinity,
    inProcessTotal: Infinity,
  };
  const sum = (rows: { ms: number }[]) => rows.reduce((a, r) => a + r.ms, 0);
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    const rows = runConformance(script, target, 1n);
    best.inProcessTotal = Math.min(best.inProcessTotal, performance.now() - t0);
    best.inProcessContracts = Math.min(best.inProcessContracts, sum(rows));
    if (rows.some((r) => !r.ok)) throw new Error("tlsf failed its suite in-process");
    t0 = performance.now();
    const outcome = await runIsolated([script], { builtin: "tlsf" }, {
      seed: 1n,
      timeout: 10,
      fuzzMs: 0,
      fuzzSeed: 1,
      readable: [],
    });
    best.workerTotal = Math.min(best.workerTotal, performance.now() - t0);
    if (!outcome.ok || outcome.rows.some((r) => !r.ok)) {
      throw new Error("tlsf failed its suite in a worker");
    }
    best.workerContracts = Math.min(best.workerContracts, sum(outcome.rows));
  }
  return best;
}

/**
 * Checked operations per second of `deno task fuzz --allocator NAME` as a
 * user runs it: a fresh process, the fuzzer in a Worker writing each call
 * and its reproducer lines where the runner watches for hangs. The rate is
 * the operations over the seconds fuzzed (starting the Worker not counted).
 */
export async function cliFuzzRate(name: string, seconds = 3): Promise<number> {
  const root = new URL("../", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--cached-only",
      "--allow-read",
      "--allow-write=.",
      "--allow-run",
      "--allow-env=CI",
      "--unstable-worker-options",
      "cli/fuzz.ts",
      "--allocator",
      name,
      "--seconds",
      String(seconds),
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { CI: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const m = /: ([\d,]+) operations in/.exec(text);
  if (m === null) throw new Error(`fuzz ${name}: ${text.trim()}`);
  return Number(m[1].replaceAll(",", "")) / seconds;
}

/** Shows what is being measured on a terminal (never in a pipe or CI), with the time left. */
function status(text: string): void {
  if (!Deno.stderr.isTerminal() || Deno.env.get("CI") !== undefined) return;
  Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${text}`));
}

/** {@linkcode fuzzRate} of `name` in a fresh process (as each user's run is). */
async function freshFuzzRate(name: string): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--cached-only",
      "--allow-read",
      "--allow-env",
      import.meta.filename!,
      "--rate",
      name,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return Number(new TextDecoder().decode(out.stdout).trim());
}

const rateOf = Deno.args.indexOf("--rate");
if (import.meta.main && rateOf >= 0) {
  console.log(fuzzRate(Deno.args[rateOf + 1]));
  Deno.exit(0);
}

if (import.meta.main) {
  const names = ["tlsf", "buddy", "slab", "bitmap", "id"];
  // Each in a process of its own, as each run of the fuzzer is (one
  // process fuzzing every interface in turn runs the last slower: its code
  // has seen them all).
  const rates: (readonly [string, number])[] = [];
  for (const [i, n] of names.entries()) {
    status(`fuzz benchmark: fuzzing ${n} (about ${(names.length - i) * 2 + 30} s left)`);
    rates.push([n, await freshFuzzRate(n)] as const);
  }
  const cliNames = [...names, "examples/wasm/first_fit.wasm"];
  const cli: (readonly [string, number])[] = [];
  for (const [i, n] of cliNames.entries()) {
    status(
      `fuzz benchmark: deno task fuzz --allocator ${n} (about ${
        (cliNames.length - i) * 4 + 6
      } s left)`,
    );
    cli.push([n, await cliFuzzRate(n)] as const);
  }
  status("fuzz benchmark: shrinking a rare failure (about 4 s left)");
  const shrink = shrinkCost();
  status("fuzz benchmark: the suite in a Worker and in-process (about 2 s left)");
  const iso = await isolationCost();
  status("");
  const k = (n: number) => Math.round(n).toLocaleString("en");
  console.log([
    "| fuzzing benchmark | result | goal |",
    "| --- | ---: | --- |",
    ...rates.map(([n, r]) =>
      `| fuzzing ${n}: checked operations per second | ${k(r)} | >= 1,000,000: ${
        r >= 1_000_000 ? "met" : "not met"
      } |`
    ),
    ...cli.map(([n, r]) => {
      const goal = n.endsWith(".wasm") ? 500_000 : 1_000_000;
      return `| deno task fuzz --allocator ${n} (Worker, hang watch, line log): per second | ${
        k(r)
      } | >= ${k(goal)}: ${r >= goal ? "met" : "not met"} |`;
    }),
    `| a failure found after ${k(shrink.found)} operations: shrunk to | ${shrink.steps} operation${
      shrink.steps === 1 ? "" : "s"
    } in ${(shrink.ms / 1000).toFixed(1)} s | <= 20 operations in < 30 s: ${
      shrink.steps <= 20 && shrink.ms < 30_000 ? "met" : "not met"
    } |`,
    `| byte allocator suite on tlsf, its contracts in a Worker vs in-process | ${
      (iso.workerContracts / iso.inProcessContracts).toFixed(2)
    }x (${iso.workerContracts.toFixed(0)} / ${iso.inProcessContracts.toFixed(0)} ms) | <= 1.5x: ${
      iso.workerContracts / iso.inProcessContracts <= 1.5 ? "met" : "not met"
    } |`,
    `| the same, whole run (starting the Worker and loading mmsim in it) | ${
      (iso.workerTotal / iso.inProcessTotal).toFixed(2)
    }x (${iso.workerTotal.toFixed(0)} / ${
      iso.inProcessTotal.toFixed(0)
    } ms) | (a fixed cost per run) |`,
  ].join("\n"));
  Deno.exit(0);
}
