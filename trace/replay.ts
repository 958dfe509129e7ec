/**
 * Replays a fidelity trace against an allocator model and prints what the
 * real crate's replay harness prints (`tests/fidelity/README.md`).
 *
 * @module
 */

import {
  ALLOC_ERROR_KINDS,
  AllocError,
  type AllocErrorKind,
  NO_MEMORY,
} from "../mm/allocator/alloc_error.ts";
import type { ByteAllocator, PageAllocator } from "../mm/allocator/traits.ts";
import { GlobalAllocator } from "../mm/axalloc/global_allocator.ts";
import { TlsfGlobalAllocator } from "../mm/axalloc/tlsf_global_allocator.ts";
import { TlsfByteAllocator } from "../mm/allocator/tlsf_byte_allocator.ts";
import { BuddySlabGlobalAllocator } from "../mm/axalloc/buddy_slab_global_allocator.ts";
import { KernelPanic } from "../mm/kernel_panic.ts";
import { checkPagesAtBase } from "../mm/allocator/bitmap_page_allocator.ts";
import { allocatorEntry, isByteAllocatorKind, REPLAY_ALLOCATORS } from "../mm/registry.ts";
import type { PointerWidth } from "../mm/allocator/layout.ts";
import { SimError } from "../hal/sim_error.ts";

export { REPLAY_ALLOCATORS } from "../mm/registry.ts";
import * as ops from "./trace.ts";
import { FREE_UNALLOCATED, OP_NAMES, type Trace } from "./trace.ts";

// The operation codes as constants of this module: V8 reads an imported
// binding through its module's cell, with a check that it is initialised,
// every time (twice an operation in the replay loops), where a constant of
// the module itself is a constant in the compiled code.
const OP_ADD = ops.OP_ADD;
const OP_ALLOC = ops.OP_ALLOC;
const OP_ALLOC_AT = ops.OP_ALLOC_AT;
const OP_CPU = ops.OP_CPU;
const OP_DMA32 = ops.OP_DMA32;
const OP_FREE = ops.OP_FREE;
const OP_PAGES = ops.OP_PAGES;

/** The allocators `replay` can drive: the registry's, less `id`, and `global:*`. */
export type ReplayAllocatorName = string;

/** Returns whether `name` is one of {@linkcode REPLAY_ALLOCATORS}. */
export function isReplayAllocatorName(name: string): name is ReplayAllocatorName {
  return REPLAY_ALLOCATORS.includes(name);
}

/** A trace operation the allocator cannot perform, or a free the trace gets wrong. */
export class ReplayError extends Error {
  /** The error class's name. */
  override readonly name = "ReplayError";
  /** The trace's name. */
  readonly file: string;
  /** The 1-based line of the operation. */
  readonly line: number;
  /** What went wrong, without the location. */
  readonly detail: string;
  /** Creates the error; `message` is `file:line: detail`. */
  constructor(file: string, line: number, detail: string) {
    super(`${file}:${line}: ${detail}`);
    this.file = file;
    this.line = line;
    this.detail = detail;
  }
}

/** What a replay produced. */
export interface ReplayResult {
  /**
   * Per operation: for allocations, the local address (>= 0) or the
   * negated 1-based index of the error kind in `ALLOC_ERROR_KINDS`;
   * for frees, 0.
   */
  results: Float64Array;
  /** The final statistics line's values, in print order. */
  stats: [string, number][];
  /** Lines printed before the allocations (`init heap 0x...` for `global:*`). */
  preamble: string[];
  /**
   * What the ArceOS 2026 harness prints besides the allocations and the
   * statistics (`region ok`, `add ok`, `panic: ...`); `results` holds each
   * `add`'s outcome too (0 or an error code).
   */
  arceos?: ArceosReplay;
}

/** The outcome of an ArceOS 2026 replay beyond its allocations. */
export interface ArceosReplay {
  /** 0 when `init` succeeded, else its error code (as in `results`). */
  region: number;
  /** The panic that ended the replay: at operation `at` (-1: at `init`), with the kernel's message. */
  panic: { at: number; reason: string } | undefined;
}

const ERR_CODE: Record<AllocErrorKind, number> = {
  InvalidParam: -1,
  MemoryOverlap: -2,
  NoMemory: NO_MEMORY,
  NotAllocated: -4,
  AlreadyInitialized: -5,
  NotInitialized: -6,
  NotFound: -7,
};

function errorCode(e: unknown, trace: Trace, i: number): number {
  if (e instanceof AllocError) return ERR_CODE[e.kind];
  throw located(trace, i, e);
}

/**
 * Any other error of the simulation (a user's WebAssembly allocator that
 * trapped, say) stops the replay at the trace line that caused it.
 */
function located(trace: Trace, i: number, e: unknown): unknown {
  return e instanceof SimError ? new ReplayError(trace.name, trace.line[i], e.message) : e;
}

/** What a 32-bit target ({@linkcode ReplayOptions.pointerWidth} 4) is for. */
export const POINTER_WIDTH_ONLY =
  "a pointer width of 4 (a 32-bit target) is for the byte allocators (buddy, slab, tlsf) and global:*";

/**
 * Whether `allocator` has a 32-bit variant ({@linkcode ReplayOptions.pointerWidth} 4):
 * the byte allocators and the global allocator over them.
 *
 * @example
 * ```ts
 * import { hasPointerWidth } from "./replay.ts";
 * console.log(hasPointerWidth("tlsf"), hasPointerWidth("ax-alloc-tlsf")); // true false
 * ```
 */
export function hasPointerWidth(allocator: string): boolean {
  return isByteAllocatorKind(allocator) || allocator.startsWith("global:");
}

/** How {@linkcode replay} builds the allocator. */
export interface ReplayOptions {
  /**
   * The target pointer size the byte allocator models: 8 (the default) or
   * 4, the 32-bit variant (the `*.w32.expected.gz` references).
   */
  pointerWidth?: PointerWidth;
  /** For `global:*`: a user's byte allocator in place of the model (the name after `global:`). */
  userByteAllocator?: ByteAllocator;
  /**
   * Where to write the per-operation results, at least `trace.length`
   * long: a caller that replays again and again (a benchmark, say) reuses
   * one buffer instead of a new one per replay, as a native replay harness
   * keeps its address vector. {@linkcode ReplayResult.results} is then a
   * view of its first `trace.length` elements, overwritten by the next
   * replay into the same buffer.
   */
  results?: Float64Array;
}

/** What {@linkcode replayOn} accepts besides the trace and the allocator. */
export type ReplayOnOptions = Pick<ReplayOptions, "results">;

/** The buffer a replay writes its results into: the caller's (checked), or a new one. */
function resultsBuffer(trace: Trace, given: Float64Array | undefined): Float64Array {
  const n = trace.length;
  if (given === undefined) return new Float64Array(n);
  if (given.length < n) {
    throw new RangeError(
      `the results buffer holds ${given.length} operations, the trace ${n}`,
    );
  }
  return given.length === n ? given : given.subarray(0, n);
}

/**
 * Replays `trace` on a fresh `allocator` model initialised with the trace's
 * region.
 *
 * @example
 * ```ts
 * import { parseTrace } from "./trace.ts";
 * import { formatReplay, replay } from "./replay.ts";
 * const t = parseTrace("region 0x80000000 65536\na 0 100 8\nf 0\n", "demo");
 * console.log(formatReplay(t, replay(t, "buddy")));
 * ```
 */
export function replay(
  trace: Trace,
  allocator: ReplayAllocatorName,
  options: ReplayOptions = {},
): ReplayResult {
  const { pointerWidth, results } = options;
  if (pointerWidth === 4 && !hasPointerWidth(allocator)) {
    throw new RangeError(`${POINTER_WIDTH_ONLY}, not ${allocator}`);
  }
  const base = trace.window.toLocal(trace.base);
  const size = Number(trace.size);
  if (allocator === AX_ALLOC_TLSF) {
    const g = new TlsfGlobalAllocator();
    const r = replayAxAlloc(trace, g, resultsBuffer(trace, results));
    g.bytes.recycle(); // done with it: the next replay's TLSF starts with its tables
    return r;
  }
  if (allocator === AX_ALLOC_BUDDY_SLAB) {
    const g = new BuddySlabGlobalAllocator({
      cpus: trace.cpus,
      origin: trace.window.origin,
      offset: trace.offset,
    });
    const r = replayAxAlloc(trace, g, resultsBuffer(trace, results));
    g.recycle(); // done with it: the next replay starts with its metadata buffers
    return r;
  }
  const kind = allocator.startsWith("global:") ? allocator.slice(7) : undefined;
  if (kind !== undefined) {
    const user = options.userByteAllocator;
    if (user === undefined && !isByteAllocatorKind(kind)) {
      throw new RangeError(`unknown allocator ${allocator}`);
    }
    const g = new GlobalAllocator({
      byteAllocator: isByteAllocatorKind(kind) ? kind : undefined,
      capacity: trace.capacity,
      pointerWidth,
      userByteAllocator: user === undefined ? undefined : { name: kind, allocator: user },
    });
    initOrThrow(trace, () => g.init(base, size));
    return {
      results: replayGlobal(trace, g, resultsBuffer(trace, results)),
      stats: [
        ["used_bytes", g.usedBytes()],
        ["available_bytes", g.availableBytes()],
        ["used_pages", g.usedPages()],
        ["available_pages", g.availablePages()],
      ],
      preamble: [`init heap ${trace.window.format(g.heapStart)}`],
    };
  }
  const entry = allocatorEntry(allocator);
  if (entry === undefined || entry.interface === "IdAllocator") {
    throw new RangeError(`unknown allocator ${allocator}`);
  }
  if (entry.interface === "PageAllocator") {
    return replayOn(trace, entry.create({ capacity: trace.capacity }) as PageAllocator, {
      results,
    });
  }
  const a = entry.create({ pointerWidth }) as ByteAllocator;
  const r = replayOn(trace, a, { results });
  // Done with it (replay made it): the next replay's TLSF starts with its tables.
  if (a instanceof TlsfByteAllocator) a.recycle();
  return r;
}

/**
 * Replays a byte-allocator or page-allocator trace on `allocator` (fresh,
 * not yet initialised): a user's allocator, say, in place of a model.
 *
 * @example
 * ```ts
 * import { parseTrace } from "./trace.ts";
 * import { formatReplay, replayOn } from "./replay.ts";
 * import { BuddyByteAllocator } from "../mm/allocator/buddy_byte_allocator.ts";
 * const t = parseTrace("region 0x80000000 65536\na 0 3 1\n", "demo");
 * console.log(formatReplay(t, replayOn(t, new BuddyByteAllocator({ pointerWidth: 4 }))));
 * ```
 */
export function replayOn(
  trace: Trace,
  allocator: ByteAllocator | PageAllocator,
  options: ReplayOnOptions = {},
): ReplayResult {
  const into = resultsBuffer(trace, options.results);
  const base = trace.window.toLocal(trace.base);
  const size = Number(trace.size);
  if ("allocPages" in allocator) {
    const a = allocator;
    initOrThrow(trace, () => a.init(base, size));
    const results = replayPages(trace, a, into);
    return {
      results,
      stats: [["total", a.totalPages()], ["used", a.usedPages()], [
        "available",
        a.availablePages(),
      ]],
      preamble: [],
    };
  }
  const a = allocator;
  initOrThrow(trace, () => a.init(base, size));
  const results = replayBytes(trace, a, into);
  return {
    results,
    stats: [["total", a.totalBytes()], ["used", a.usedBytes()], [
      "available",
      a.availableBytes(),
    ]],
    preamble: [],
  };
}

function initOrThrow(trace: Trace, init: () => void): void {
  try {
    init();
  } catch (e) {
    if (e instanceof SimError) {
      throw new ReplayError(trace.name, trace.regionLine, `region: ${e.message}`);
    }
    throw e;
  }
}

function unsupported(trace: Trace, i: number, what: string): never {
  throw new ReplayError(
    trace.name,
    trace.line[i],
    `'${OP_NAMES[trace.kind[i]]}' is not an operation of ${what}`,
  );
}

function badFree(trace: Trace, i: number, code: number): never {
  const id = trace.id[i];
  throw new ReplayError(
    trace.name,
    trace.line[i],
    code === FREE_UNALLOCATED
      ? `'f ${id}' frees an ID no earlier line allocated`
      : `'f ${id}' frees ID ${id} a second time`,
  );
}

/** An `add` line: more memory for the allocator; a refusal is the trace's error. */
function addMemory(trace: Trace, i: number, add: (start: number, size: number) => void): void {
  try {
    add(trace.arg0[i], trace.arg1[i]);
  } catch (e) {
    if (!(e instanceof AllocError)) throw located(trace, i, e);
    throw new ReplayError(trace.name, trace.line[i], `'add': ${e.message}`);
  }
}

function freeFailed(trace: Trace, i: number, e: unknown): never {
  if (e instanceof AllocError) {
    throw new ReplayError(trace.name, trace.line[i], `'f ${trace.id[i]}': ${e.message}`);
  }
  throw located(trace, i, e);
}

// The replay loops. Each `f` finds its allocation through `trace.allocOf`;
// `results` holds what each allocation got (an address, or a negative error
// code: an allocation that failed is not freed).

/** Every allocation's block handle, kept by byte replays (one buffer, grown as traces need). */
let handleBuffer = new Int32Array(0);

/** The handle buffer, at least one handle per operation of `trace`. */
function handlesFor(trace: Trace): Int32Array {
  if (handleBuffer.length < trace.length) handleBuffer = new Int32Array(trace.length);
  return handleBuffer;
}

/**
 * A replay loop made for one trace and one results buffer: a closure over
 * their arrays, kept while the same trace and buffer come back (the passes
 * of `replay --bench` and of the benchmarks, a caller replaying again into
 * one buffer). V8 compiles such a closure for those very arrays (their
 * places and lengths are constants of its code): a tenth faster than a loop
 * that reads them from its arguments (ArceOS's TLSF churn, 26.4 to 28.7
 * Mops/s, alternating processes). Each kind of loop has a cache of its own.
 */
class LoopCache<L> {
  readonly #loops = new WeakMap<Trace, { results: Float64Array; loop: L }>();
  readonly #make: (trace: Trace, results: Float64Array) => L;
  constructor(make: (trace: Trace, results: Float64Array) => L) {
    this.#make = make;
  }
  /**
   * The loop for `trace` writing into `results`, made on first use (a view
   * of the same memory as the one it was made with counts as the same: a
   * longer caller's buffer is viewed afresh on every replay).
   */
  get(trace: Trace, results: Float64Array): L {
    const known = this.#loops.get(trace);
    if (known !== undefined && sameMemory(known.results, results)) return known.loop;
    const loop = this.#make(trace, results);
    this.#loops.set(trace, { results, loop });
    return loop;
  }
}

/** Whether `a` and `b` view the same elements of the same memory. */
function sameMemory(a: Float64Array, b: Float64Array): boolean {
  return a === b ||
    (a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length);
}

/** Replays the `a` / `f` lines of a byte-allocator trace. */
function replayBytes(trace: Trace, a: ByteAllocator, results: Float64Array): Float64Array {
  bytesLoops.get(trace, results)(a);
  return results;
}

const bytesLoops = new LoopCache((trace: Trace, results: Float64Array) => {
  const n = trace.length;
  const { kind, allocOf, arg0, arg1 } = trace;
  const handles = handlesFor(trace);
  return (a: ByteAllocator): void => {
    // A model's tryAlloc answers NoMemory with its error code, without an exception.
    const quiet = a.tryAlloc !== undefined;
    // A model that gives block handles frees each allocation by its handle,
    // without looking the pointer up (every check is still made).
    const byHandle = a.deallocHandle !== undefined;
    for (let i = 0; i < n; i++) {
      const k = kind[i];
      if (k === OP_ALLOC) {
        try {
          results[i] = quiet ? a.tryAlloc!(arg0[i], arg1[i]) : a.alloc(arg0[i], arg1[i]);
          if (byHandle) handles[i] = a.lastHandle!;
        } catch (e) {
          results[i] = errorCode(e, trace, i);
        }
      } else if (k === OP_FREE) {
        results[i] = 0; // (a reused buffer holds an earlier replay's)
        const o = allocOf[i];
        if (o < 0) badFree(trace, i, o);
        const p = results[o];
        if (p >= 0) {
          try {
            if (byHandle) a.deallocHandle!(p, arg0[o], arg1[o], handles[o]);
            else a.dealloc(p, arg0[o], arg1[o]);
          } catch (e) {
            freeFailed(trace, i, e);
          }
        }
      } else if (k === OP_ADD) {
        results[i] = 0;
        addMemory(trace, i, (s, n) => a.addMemory(s, n));
      } else unsupported(trace, i, "a byte allocator");
    }
  };
});

/** Replays the `a` / `at` / `f` lines of a page-allocator trace. */
function replayPages(trace: Trace, a: PageAllocator, results: Float64Array): Float64Array {
  pagesLoops.get(trace, results)(a);
  return results;
}

const pagesLoops = new LoopCache((trace: Trace, results: Float64Array) => {
  const n = trace.length;
  const { kind, allocOf, arg0, arg1, arg2 } = trace;
  return (a: PageAllocator): void => {
    // A model's tryAllocPages(At) answers NoMemory with its error code, without an exception.
    const quiet = a.tryAllocPages !== undefined;
    const quietAt = a.tryAllocPagesAt !== undefined;
    for (let i = 0; i < n; i++) {
      const k = kind[i];
      if (k === OP_ALLOC || k === OP_ALLOC_AT) {
        try {
          results[i] = k === OP_ALLOC
            ? (quiet ? a.tryAllocPages!(arg0[i], arg1[i]) : a.allocPages(arg0[i], arg1[i]))
            : arg0[i] < 0
            ? outsideWindow(trace.farBase.get(i)!, arg2[i])
            : quietAt
            ? a.tryAllocPagesAt!(arg0[i], arg1[i], arg2[i])
            : a.allocPagesAt(arg0[i], arg1[i], arg2[i]);
        } catch (e) {
          results[i] = errorCode(e, trace, i);
        }
      } else if (k === OP_FREE) {
        results[i] = 0; // (a reused buffer holds an earlier replay's)
        const o = allocOf[i];
        if (o < 0) badFree(trace, i, o);
        const p = results[o];
        if (p >= 0) {
          try {
            a.deallocPages(p, kind[o] === OP_ALLOC ? arg0[o] : arg1[o]);
          } catch (e) {
            freeFailed(trace, i, e);
          }
        }
      } else unsupported(trace, i, "a page allocator");
    }
  };
});

/** Replays the `a` / `p` / `f` lines of a global-allocator trace. */
function replayGlobal(trace: Trace, g: GlobalAllocator, results: Float64Array): Float64Array {
  globalLoops.get(trace, results)(g);
  return results;
}

const globalLoops = new LoopCache((trace: Trace, results: Float64Array) => {
  const n = trace.length;
  const { kind, allocOf, arg0, arg1 } = trace;
  return (g: GlobalAllocator): void => {
    for (let i = 0; i < n; i++) {
      const k = kind[i];
      if (k === OP_ALLOC || k === OP_PAGES) {
        try {
          // NoMemory comes back as its error code, without an exception.
          results[i] = k === OP_ALLOC
            ? g.tryAlloc(arg0[i], arg1[i])
            : g.tryAllocPages(arg0[i], arg1[i]);
        } catch (e) {
          results[i] = errorCode(e, trace, i);
        }
      } else if (k === OP_FREE) {
        results[i] = 0; // (a reused buffer holds an earlier replay's)
        const o = allocOf[i];
        if (o < 0) badFree(trace, i, o);
        const p = results[o];
        if (p >= 0) {
          try {
            if (kind[o] === OP_ALLOC) g.dealloc(p, arg0[o], arg1[o]);
            else g.deallocPages(p, arg0[o]);
          } catch (e) {
            freeFailed(trace, i, e);
          }
        }
      } else if (k === OP_ADD) {
        results[i] = 0;
        addMemory(trace, i, (s, n) => g.addMemory(s, n));
      } else unsupported(trace, i, "the global allocator");
    }
  };
});

/**
 * `alloc_pages_at` with a base the simulation cannot place (past 2^53, or
 * far from the region): the real allocator's parameter checks first
 * (`InvalidParam`), then `NoMemory`, as it answers for pages it does not
 * manage.
 */
function outsideWindow(base: bigint, alignPow2: number): never {
  checkPagesAtBase(base, alignPow2);
  throw new AllocError("NoMemory", { reason: "the address is outside the simulated region" });
}

/**
 * Formats a replay as the reference harness prints it: `ID 0xADDR` or
 * `ID ErrorName` per allocation, then the `stats` line.
 */
export function formatReplay(trace: Trace, result: ReplayResult): string {
  if (result.arceos !== undefined) return formatArceos(trace, result, result.arceos);
  const out: string[] = [...result.preamble];
  const { kind, id } = trace;
  const { results } = result;
  for (let i = 0; i < trace.length; i++) {
    if (kind[i] === OP_FREE || kind[i] === OP_ADD) continue;
    const r = results[i];
    out.push(
      r >= 0 ? `${id[i]} ${trace.window.format(r)}` : `${id[i]} ${ALLOC_ERROR_KINDS[-r - 1]}`,
    );
  }
  out.push("stats " + result.stats.map(([k, v]) => `${k}=${v}`).join(" "));
  return out.join("\n") + "\n";
}

/** The replay name of `ax-alloc` 0.8's global allocator in `tlsf` mode (ArceOS 2026). */
export const AX_ALLOC_TLSF = "ax-alloc-tlsf";

/** The replay name of `ax-alloc` 0.8's global allocator in `buddy-slab` mode (ArceOS 2026). */
export const AX_ALLOC_BUDDY_SLAB = "ax-alloc-buddy-slab";

/**
 * Replays an ArceOS 2026 trace (`tests/fidelity/arceos-2026/`) on one
 * of `ax-alloc`'s global allocators, printing what its harness prints:
 * `region ok`, `add ok` or `add ERR`, `ID 0xADDR` or `ID ERR`, the stats,
 * or the lines before a panic and `panic: MESSAGE`. `cpu` lines move the
 * buddy-slab allocator's calls to that CPU; the TLSF one has no per-CPU
 * state.
 */
/** An ArceOS 2026 call's error code; a panic goes on up to end the replay. */
function axCode(e: unknown, trace: Trace, i: number): number {
  if (e instanceof KernelPanic) throw e;
  return errorCode(e, trace, i);
}

function replayAxAlloc(
  trace: Trace,
  g: TlsfGlobalAllocator | BuddySlabGlobalAllocator,
  results: Float64Array,
): ReplayResult {
  const arceos: ArceosReplay = { region: 0, panic: undefined };
  const done = (): ReplayResult => ({ results, stats: [], preamble: [], arceos });
  try {
    g.init(trace.window.toLocal(trace.base), Number(trace.size));
  } catch (e) {
    if (e instanceof KernelPanic) return (arceos.panic = { at: -1, reason: e.reason }), done();
    arceos.region = errorCode(e, trace, 0);
  }
  // One loop per model, each calling one class's methods only (so that V8
  // keeps it monomorphic and inlines the byte allocations).
  const at = g instanceof TlsfGlobalAllocator
    ? tlsfLoops.get(trace, results)(g)
    : buddySlabLoops.get(trace, results)(g);
  if (at.panic !== undefined) {
    arceos.panic = at.panic;
    return done();
  }
  const r = done();
  r.stats = [
    ["used_bytes", g.usedBytes()],
    ["available_bytes", g.availableBytes()],
    ["used_pages", g.usedPages()],
    ["available_pages", g.availablePages()],
  ];
  return r;
}

type AxLoopEnd = { panic?: { at: number; reason: string } };

/** An operation other than a byte allocation or a byte free, on either 2026 model. */
function axOther(
  trace: Trace,
  g: TlsfGlobalAllocator | BuddySlabGlobalAllocator,
  i: number,
  results: Float64Array,
): void {
  const { kind, allocOf, arg0, arg1 } = trace;
  const k = kind[i];
  try {
    if (k === OP_FREE) {
      // A page block's free.
      const o = allocOf[i];
      g.deallocPages(results[o], arg0[o], kind[o] === OP_DMA32 ? "Dma" : "Global");
    } else if (k === OP_PAGES) results[i] = g.allocPages(arg0[i], arg1[i]);
    else if (k === OP_DMA32) results[i] = g.allocDma32Pages(arg0[i], arg1[i]);
    else if (k === OP_ALLOC_AT) results[i] = g.allocPagesAt(arg0[i], arg1[i], trace.arg2[i]);
    else if (k === OP_ADD) g.addMemory(arg0[i], arg1[i]);
    else if (k === OP_CPU && g instanceof BuddySlabGlobalAllocator) g.cpu = arg0[i];
  } catch (e) {
    if (k === OP_FREE) freeFailed(trace, i, e);
    results[i] = axCode(e, trace, i);
  }
}

/** ArceOS 2026's TLSF: byte allocations by the TLSF's own quiet path, frees by block handle. */
const tlsfLoops = new LoopCache((trace: Trace, results: Float64Array) => {
  const { kind, allocOf, arg0, arg1 } = trace;
  const n = trace.length;
  const handles = handlesFor(trace);
  return (g: TlsfGlobalAllocator): AxLoopEnd => {
    const bytes = g.bytes;
    let i = 0;
    try {
      for (; i < n; i++) {
        const k = kind[i];
        results[i] = 0;
        if (k === OP_ALLOC) {
          try {
            results[i] = bytes.tryAlloc(arg0[i], arg1[i]);
            handles[i] = bytes.lastHandle;
          } catch (e) {
            results[i] = axCode(e, trace, i);
          }
        } else if (k === OP_FREE) {
          const o = allocOf[i];
          if (o < 0) badFree(trace, i, o);
          const p = results[o];
          if (p < 0) continue;
          if (kind[o] === OP_ALLOC) {
            try {
              bytes.deallocHandle(p, arg0[o], arg1[o], handles[o]);
            } catch (e) {
              freeFailed(trace, i, e);
            }
          } else axOther(trace, g, i, results);
        } else axOther(trace, g, i, results);
      }
    } catch (e) {
      if (e instanceof KernelPanic) return { panic: { at: i, reason: e.reason } };
      throw e;
    }
    return {};
  };
});

/** ArceOS 2026's buddy-slab: `cpu` lines move the calls to that CPU. */
const buddySlabLoops = new LoopCache((trace: Trace, results: Float64Array) => {
  const { kind, allocOf, arg0, arg1 } = trace;
  const n = trace.length;
  return (g: BuddySlabGlobalAllocator): AxLoopEnd => {
    let i = 0;
    try {
      for (; i < n; i++) {
        const k = kind[i];
        results[i] = 0;
        if (k === OP_ALLOC) {
          try {
            results[i] = g.alloc(arg0[i], arg1[i]);
          } catch (e) {
            results[i] = axCode(e, trace, i);
          }
        } else if (k === OP_FREE) {
          const o = allocOf[i];
          if (o < 0) badFree(trace, i, o);
          const p = results[o];
          if (p < 0) continue;
          if (kind[o] === OP_ALLOC) {
            try {
              g.dealloc(p, arg0[o], arg1[o]);
            } catch (e) {
              freeFailed(trace, i, e);
            }
          } else axOther(trace, g, i, results);
        } else if (k === OP_CPU) {
          // Here, not in axOther: the CPU as an integer (the parser checked
          // it is below the trace's CPU count) crosses no call boxed.
          g.cpu = arg0[i] | 0;
        } else axOther(trace, g, i, results);
      }
    } catch (e) {
      if (e instanceof KernelPanic) return { panic: { at: i, reason: e.reason } };
      throw e;
    }
    return {};
  };
});

/** The ArceOS 2026 harness's output as {@linkcode formatReplay} prints it. */
function formatArceos(trace: Trace, result: ReplayResult, arceos: ArceosReplay): string {
  const out: string[] = [];
  const err = (r: number) => ALLOC_ERROR_KINDS[-r - 1];
  const { panic } = arceos;
  if (panic !== undefined && panic.at < 0) return `panic: ${panic.reason}\n`;
  out.push(arceos.region === 0 ? "region ok" : `region ${err(arceos.region)}`);
  const { kind, id } = trace;
  const { results } = result;
  const end = panic === undefined ? trace.length : panic.at;
  for (let i = 0; i < end; i++) {
    const k = kind[i];
    if (k === OP_FREE || k === OP_CPU) continue;
    const r = results[i];
    if (k === OP_ADD) out.push(r === 0 ? "add ok" : `add ${err(r)}`);
    else out.push(r >= 0 ? `${id[i]} ${trace.window.format(r)}` : `${id[i]} ${err(r)}`);
  }
  if (panic !== undefined) out.push(`panic: ${panic.reason}`);
  else out.push("stats " + result.stats.map(([k, v]) => `${k}=${v}`).join(" "));
  return out.join("\n") + "\n";
}
