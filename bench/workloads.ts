/**
 * The replay workloads the benchmarks measure, with the native Rust
 * throughput the reference harness measured on the same machine kind
 * (`tests/fidelity/README.md`).
 *
 * @module
 */

import { readTraceText } from "../cli/read_input.ts";
import { parseTrace, type Trace } from "../trace/trace.ts";
import { replay, replayOn, type ReplayResult } from "../trace/replay.ts";
import { loadWasmAllocator } from "../mm/wasm/wasm_module.ts";
import { WasmByteAllocator } from "../mm/wasm/wasm_byte_allocator.ts";
import { WasmPageAllocator } from "../mm/wasm/wasm_page_allocator.ts";

/** One benchmark: an allocator replaying a trace. */
export interface Workload {
  /** The allocator. */
  /** A replay allocator name, or a `.wasm` module's path from the repository root. */
  allocator: string;
  /** The trace's short name. */
  trace: string;
  /** Native Rust throughput in Mops/s (the low end of the reported range), if measured. */
  native?: number;
  /** What the issue asks of mmsim, as a multiple of native throughput. */
  target?: number;
  /** What the issue asks in Mops/s outright (a user's WebAssembly allocator). */
  minMops?: number;
  /**
   * For a trace of failing allocations: how many times slower than the same
   * allocator on its {@linkcode Workload.baseline} (successful requests,
   * measured in the same minutes) it may be at most.
   */
  slowerThanChurnAtMost?: number;
  /** The trace of successful requests such a row is compared with (`bytes-churn-1` unless said). */
  baseline?: string;
}

/** One replay of a workload, writing its results into `results` when given. */
export type Replayer = (trace: Trace, results?: Float64Array) => ReplayResult;

/** How a workload replays: a model by name, or a fresh instance of a WebAssembly module. */
export function replayer(allocator: string): Replayer {
  if (!allocator.endsWith(".wasm")) {
    return (trace, results) => replay(trace, allocator, { results });
  }
  const path = new URL(`../${allocator}`, import.meta.url).pathname;
  const m = loadWasmAllocator(Deno.readFileSync(path), allocator);
  return (trace, results) =>
    replayOn(
      trace,
      m.families.includes("ByteAllocator") ? new WasmByteAllocator(m) : new WasmPageAllocator(m),
      { results },
    );
}

/** The workloads, in table order. */
export const WORKLOADS: readonly Workload[] = [
  { allocator: "buddy", trace: "bytes-churn-1", native: 30, target: 0.5 },
  { allocator: "slab", trace: "bytes-churn-1", native: 37, target: 0.5 },
  { allocator: "tlsf", trace: "bytes-churn-1", native: 24, target: 0.5 },
  { allocator: "buddy", trace: "bytes-mixed-1", native: 35, target: 0.5 },
  { allocator: "slab", trace: "bytes-mixed-1", native: 37, target: 0.5 },
  { allocator: "tlsf", trace: "bytes-mixed-1", native: 24, target: 0.5 },
  { allocator: "buddy", trace: "bytes-pages-1" },
  { allocator: "slab", trace: "bytes-pages-1" },
  { allocator: "tlsf", trace: "bytes-pages-1", native: 24 },
  { allocator: "buddy", trace: "ramp-20k", native: 0.14, target: 10 },
  { allocator: "bitmap", trace: "pages-frames-1", native: 1.55, target: 1 },
  { allocator: "buddy", trace: "nomem-heavy", slowerThanChurnAtMost: 2 },
  { allocator: "slab", trace: "nomem-heavy", slowerThanChurnAtMost: 2 },
  { allocator: "tlsf", trace: "nomem-heavy", slowerThanChurnAtMost: 2 },
  {
    allocator: "bitmap",
    trace: "pages-nomem",
    slowerThanChurnAtMost: 2,
    baseline: "pages-frames-1",
  },
  {
    allocator: "global:tlsf",
    trace: "global-nomem",
    slowerThanChurnAtMost: 2,
    baseline: "global-1",
  },
  // A user's allocators compiled to WebAssembly, replayed through the ABI.
  { allocator: "examples/wasm/first_fit.wasm", trace: "bytes-churn-1", minMops: 5 },
  { allocator: "examples/wasm/first_fit.wasm", trace: "bytes-mixed-1" },
  { allocator: "examples/wasm/bitmap_pages.wasm", trace: "pages-frames-1" },
  { allocator: "global:tlsf", trace: "global-1" },
  { allocator: "global:slab", trace: "global-1" },
  { allocator: "global:buddy", trace: "global-1" },
  // ArceOS 2026 (tests/fidelity/arceos-2026/).
  { allocator: "ax-alloc-buddy-slab", trace: "arceos-2026/churn-3", target: 0.5 },
  { allocator: "ax-alloc-buddy-slab", trace: "arceos-2026/percpu-3", target: 0.5 },
  { allocator: "ax-alloc-buddy-slab", trace: "arceos-2026/remote-3" },
  { allocator: "ax-alloc-buddy-slab", trace: "arceos-2026/churn-big-1", target: 0.5 },
  { allocator: "ax-alloc-tlsf", trace: "arceos-2026/churn-3", target: 0.5 },
  { allocator: "ax-alloc-tlsf", trace: "arceos-2026/percpu-3", target: 0.5 },
];

/**
 * A fragmentation-heavy trace: allocations ramp up to 20,000 live blocks of
 * 8 B to 4 KiB, then each step frees a random live block and allocates a
 * new one. Seeded, so every run replays the same operations.
 */
export function rampTrace(ops = 200_000, live = 20_000, seed = 1): string {
  const rand = lcg(seed);
  const lines = [
    `# ramp: ${live} live blocks, random frees, seed ${seed}`,
    "region 0x80000000 0x4000000",
  ];
  const ids: number[] = [];
  let next = 0;
  for (let i = 0; i < ops; i++) {
    if (ids.length < live || i % 2 === 1) {
      const id = next++;
      lines.push(`a ${id} ${8 + rand(4089)} ${2 ** rand(4)}`);
      ids.push(id);
    } else {
      const k = rand(ids.length);
      lines.push(`f ${ids[k]}`);
      ids[k] = ids[ids.length - 1];
      ids.pop();
    }
  }
  return lines.join("\n") + "\n";
}

/** A seeded linear congruential generator: `rand(n)` is in `[0, n)`. */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/**
 * An out-of-memory trace: `ops` operations on a small `region` line, 45%
 * random frees of live allocations, the rest `request(i, rand)` lines, so
 * that many requests fail with `NoMemory`. Seeded.
 */
function oomTrace(
  title: string,
  region: string,
  ops: number,
  seed: number,
  request: (id: number, rand: (n: number) => number) => string,
): string {
  const rand = lcg(seed);
  const lines = [`# ${title}`, region];
  const live: number[] = [];
  for (let i = 0; i < ops; i++) {
    if (live.length > 0 && rand(100) < 45) {
      const k = rand(live.length);
      lines.push(`f ${live[k]}`);
      live[k] = live[live.length - 1];
      live.pop();
    } else {
      lines.push(request(i, rand));
      live.push(i);
    }
  }
  return lines.join("\n") + "\n";
}

const OOM_SIZES = [16, 64, 300, 4000, 20000, 70000];
const OOM_ALIGNS = [8, 16, 64];

/**
 * An out-of-memory-heavy byte trace: 60,000 operations on 1 MiB,
 * allocations of 16 bytes to 68 KiB and random frees, so that about a
 * fifth of the allocations fail with `NoMemory`. Seeded.
 */
export function nomemTrace(ops = 60_000, seed = 3): string {
  return oomTrace(
    "nomem-heavy: 1 MiB, sizes up to 68 KiB, random frees",
    "region 0x80000000 1048576",
    ops,
    seed,
    (i, rand) =>
      `a ${i} ${OOM_SIZES[rand(OOM_SIZES.length)]} ${OOM_ALIGNS[rand(OOM_ALIGNS.length)]}`,
  );
}

/**
 * An out-of-memory-heavy page trace: 60,000 operations on 4 MiB (1024
 * frames), runs of 1 to 64 pages and random frees: about two thirds of the
 * requests fail. Seeded.
 */
export function pagesNomemTrace(ops = 60_000, seed = 5): string {
  const runs = [1, 2, 4, 16, 64];
  return oomTrace(
    "pages-nomem: 4 MiB, runs of 1 to 64 pages, random frees",
    "region 0x80400000 4194304",
    ops,
    seed,
    (i, rand) => `a ${i} ${runs[rand(runs.length)]} 4096`,
  );
}

/**
 * An out-of-memory-heavy global-allocator trace: 60,000 operations on 8 MiB
 * of kernel memory, byte allocations of 16 bytes to 68 KiB (which grow the
 * byte heap from the pages) and page runs, with random frees: about a
 * third of the requests fail. Seeded.
 */
export function globalNomemTrace(ops = 60_000, seed = 7): string {
  const runs = [1, 2, 4, 16];
  return oomTrace(
    "global-nomem: 8 MiB, bytes up to 68 KiB and page runs, random frees",
    "region 0xffffffc080400000 8388608",
    ops,
    seed,
    (i, rand) =>
      rand(2) === 0
        ? `a ${i} ${OOM_SIZES[rand(OOM_SIZES.length)]} ${OOM_ALIGNS[rand(OOM_ALIGNS.length)]}`
        : `p ${i} ${runs[rand(runs.length)]} 4096`,
  );
}

/** The text of a generated workload trace, or `undefined` for a shipped one. */
export function generatedTrace(name: string): string | undefined {
  return GENERATED[name]?.();
}

const GENERATED: Readonly<Record<string, () => string>> = {
  "ramp-20k": () => rampTrace(),
  "nomem-heavy": () => nomemTrace(),
  "pages-nomem": () => pagesNomemTrace(),
  "global-nomem": () => globalNomemTrace(),
};

const cache = new Map<string, Trace>();

/**
 * Where a shipped trace is: `tests/fidelity/NAME.trace.gz` (the ArceOS 2026
 * references as `arceos-2026/STEM`).
 */
export function tracePath(name: string): string {
  return new URL(`../tests/fidelity/${name}.trace.gz`, import.meta.url).pathname;
}

/** Whether a workload's trace is there (a generated one always is). */
export function traceAvailable(name: string): boolean {
  if (generatedTrace(name) !== undefined) return true;
  try {
    return Deno.statSync(tracePath(name)).isFile;
  } catch {
    return false;
  }
}

/** Loads a workload's trace (the shipped reference traces, or the generated ramp). */
export async function loadTrace(name: string): Promise<Trace> {
  let t = cache.get(name);
  if (t === undefined) {
    const text = generatedTrace(name) ?? await readTraceText(tracePath(name));
    t = parseTrace(text, name);
    cache.set(name, t);
  }
  return t;
}

/** A workload ready to measure: its trace, its replayer and the buffer its passes write into. */
export interface WarmWorkload {
  /** The parsed trace. */
  trace: Trace;
  /** Replays the whole trace once, on a fresh allocator (call it as `run(trace, results)`). */
  run: Replayer;
  /** One results buffer for every pass, as the native harness keeps one address vector. */
  results: Float64Array;
}

/**
 * Workload `index` (of {@linkcode WORKLOADS}) after a quarter of a second
 * of passes: the JIT compiles then, as the native binary was compiled
 * before its run.
 *
 * @example
 * ```ts ignore
 * import { warmWorkload } from "./workloads.ts";
 * const { trace, run, results } = await warmWorkload(0);
 * const start = performance.now();
 * run(trace, results);
 * console.log(trace.length / (performance.now() - start) / 1000, "Mops/s");
 * ```
 */
export async function warmWorkload(index: number): Promise<WarmWorkload> {
  const w = WORKLOADS[index];
  const trace = await loadTrace(w.trace);
  const run = replayer(w.allocator);
  const results = new Float64Array(trace.length);
  const warm = performance.now() + 250;
  do run(trace, results); while (performance.now() < warm);
  return { trace, run, results };
}
