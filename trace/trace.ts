/**
 * The fidelity trace format (`tests/fidelity/README.md`): a `region`
 * line, then one allocator operation a line.
 *
 * | line | meaning |
 * | --- | --- |
 * | `capacity FEATURE` | optional, before `region`: the page allocator's capacity feature |
 * | `region BASE SIZE` | `init(BASE, SIZE)` (or `global_init`) |
 * | `add BASE SIZE` | `add_memory(BASE, SIZE)` (or `global_add_memory`) |
 * | `a ID SIZE ALIGN` | byte `alloc`; for `bitmap`, `alloc_pages(SIZE, ALIGN)` |
 * | `at ID BASE NPAGES ALIGN` | `alloc_pages_at` |
 * | `p ID NPAGES ALIGN` | `alloc_pages` on the global allocator |
 * | `f ID` | free what allocation `ID` got |
 * | `cpus N` | optional header (ArceOS 2026 traces): CPUs 0..N-1 |
 * | `offset OFF` | optional header: virtual minus physical address |
 * | `cpu K` | the following calls run on CPU K |
 * | `d ID NPAGES ALIGN` | `alloc_dma32_pages` on the global allocator |
 *
 * IDs are any integers up to 2^53; sparse ones cost memory by the number of
 * operations, not by the size of the IDs.
 *
 * @module
 */

import { AddressWindow, parseU64 } from "../hal/address.ts";
import { BITMAP_CAPACITIES, type BitmapCapacity } from "../mm/allocator/bitmap_page_allocator.ts";

/** Operation codes in {@linkcode Trace.kind}. */
export const OP_ALLOC = 0;
/** `at`: allocate pages at an address. */
export const OP_ALLOC_AT = 1;
/** `p`: allocate pages from the global allocator. */
export const OP_PAGES = 2;
/** `f`: free an earlier allocation. */
export const OP_FREE = 3;
/** `add`: more memory for the allocator (`arg0` local base, `arg1` size). */
export const OP_ADD = 4;

/** `cpu`: the following calls run on CPU `arg0`. */
export const OP_CPU = 5;
/** `d`: DMA32 pages from the global allocator. */
export const OP_DMA32 = 6;

/** The names of the operation codes, as written in traces. */
export const OP_NAMES: readonly string[] = ["a", "at", "p", "f", "add", "cpu", "d"];

/**
 * A column of a trace's operands: an `Int32Array` when every value fits in
 * 32 bits (the usual trace's sizes and alignments), else a `Float64Array`.
 * Small integers from an `Int32Array` reach the models as small integers,
 * so the JIT compiles their arithmetic on sizes as integer arithmetic; read
 * from a `Float64Array`, the same values are doubles.
 */
export type TraceColumn = Int32Array | Float64Array;

/** A parsed trace, in flat arrays for fast replay. */
export interface Trace {
  /** Where the trace came from (a path, or `-` for standard input). */
  name: string;
  /** The `region` line's base address. */
  base: bigint;
  /** The `region` line's size in bytes. */
  size: bigint;
  /** The window that maps the region onto numbers. */
  window: AddressWindow;
  /** The page allocator's capacity feature (`capacity` line; default `256m`). */
  capacity: BitmapCapacity;
  /** CPUs (`cpus` line; default 1). */
  cpus: number;
  /** Virtual minus physical address (`offset` line; default 0). */
  offset: bigint;
  /** The number of operations. */
  length: number;
  /** One of `OP_ALLOC`, `OP_ALLOC_AT`, `OP_PAGES`, `OP_FREE` per operation. */
  kind: Uint8Array;
  /** The allocation ID of each operation (0 for `add`). */
  id: Float64Array;
  /**
   * `a`: size or page count; `at`: base (local to `window`, -1 outside it,
   * see {@linkcode Trace.farBase}); `p`: page count; `add`: base (local).
   */
  arg0: TraceColumn;
  /** `a`, `p`: alignment; `at`: page count; `add`: size. */
  arg1: TraceColumn;
  /** `at`: alignment. */
  arg2: TraceColumn;
  /** The 1-based source line of each operation. */
  line: Int32Array;
  /** The 1-based source line of the `region` line (where its errors are reported). */
  regionLine: number;
  /** The base of each `at` whose base lies outside `window`, by operation index. */
  farBase: Map<number, bigint>;
  /**
   * For each `f`: the index of the operation that allocated its ID, or
   * {@linkcode FREE_UNALLOCATED} / {@linkcode FREE_TWICE}; -1 elsewhere.
   */
  allocOf: Int32Array;
}

/** {@linkcode Trace.allocOf} of an `f` whose ID no earlier line allocated. */
export const FREE_UNALLOCATED: number = -1;
/** {@linkcode Trace.allocOf} of an `f` whose ID was already freed. */
export const FREE_TWICE: number = -2;

/** A trace line that does not parse. */
export class TraceSyntaxError extends Error {
  /** The error class's name. */
  override readonly name = "TraceSyntaxError";
  /** The trace's name. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** What is wrong, without the location. */
  readonly detail: string;
  /** Creates the error; `message` is `file:line:col: detail`. */
  constructor(file: string, line: number, column: number, detail: string) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.file = file;
    this.line = line;
    this.column = column;
    this.detail = detail;
  }
}

const ARITY: Record<string, number> = { a: 3, at: 4, p: 3, f: 1, add: 2, cpu: 1, d: 3 };

/**
 * Parses trace text.
 *
 * @example
 * ```ts
 * import { parseTrace } from "./trace.ts";
 * const t = parseTrace("region 0x80000000 65536\na 0 100 8\nf 0\n", "demo.trace");
 * console.log(t.length, t.arg0[0]); // 2 100
 * ```
 */
export function parseTrace(text: string, name: string): Trace {
  // The columns grow with the operations (not with the lines: a file of
  // blank lines costs nothing), and lines are found one at a time.
  let room = 1024;
  let kind = new Uint8Array(room);
  let id = new Float64Array(room);
  let arg0 = new Float64Array(room);
  let arg1 = new Float64Array(room);
  let arg2 = new Float64Array(room);
  let lineNo = new Int32Array(room);
  const grow = () => {
    room *= 2;
    const more = <T extends Uint8Array | Float64Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(room);
      b.set(a);
      return b;
    };
    [kind, id, arg0, arg1, arg2, lineNo] = [
      more(kind),
      more(id),
      more(arg0),
      more(arg1),
      more(arg2),
      more(lineNo),
    ];
  };
  let count = 0;
  let maxId = -1;
  let base: bigint | undefined;
  let regionLine = 1;
  let size = 0n;
  let window = new AddressWindow();
  let capacity: BitmapCapacity | undefined;
  let cpus = 1;
  let cpusLine = false;
  let offset = 0n;
  let offsetLine = false;
  const farBase = new Map<number, bigint>();

  let li = -1;
  for (let from = 0; from <= text.length;) {
    li++;
    let to = text.indexOf("\n", from);
    if (to < 0) to = text.length;
    if (to === from) {
      from++;
      continue; // a blank line
    }
    let raw = text.slice(from, to);
    from = to + 1;
    const hash = raw.indexOf("#");
    if (hash >= 0) raw = raw.slice(0, hash);
    if (raw.trim() === "") continue;
    const fields: { text: string; col: number }[] = [];
    for (const m of raw.matchAll(/\S+/g)) fields.push({ text: m[0], col: m.index + 1 });
    const err = (col: number, detail: string) => new TraceSyntaxError(name, li + 1, col, detail);
    const num = (i: number, what: string): bigint => {
      const f = fields[i];
      const v = parseU64(f.text);
      if (v === undefined) throw err(f.col, `${what} '${f.text}' is not an unsigned 64-bit number`);
      return v;
    };
    const small = (i: number, what: string): number => {
      const v = num(i, what);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw err(fields[i].col, `${what} ${fields[i].text} is larger than 2^53`);
      }
      return Number(v);
    };
    const op = fields[0].text;
    if (op === "cpus" || op === "offset") {
      if (base !== undefined) {
        throw err(fields[0].col, `'${op}' is a header: it comes before 'region'`);
      }
      if (fields.length !== 2) throw err(fields[0].col, `'${op}' takes one number`);
      if (op === "cpus" ? cpusLine : offsetLine) {
        throw err(
          fields[0].col,
          `'${op}' comes once: the trace has one ${op === "cpus" ? "CPU count" : "offset"}`,
        );
      }
      if (op === "cpus") {
        cpus = small(1, "CPU count");
        cpusLine = true;
        if (cpus < 1 || cpus > 64) throw err(fields[1].col, `'cpus' takes 1 to 64, not ${cpus}`);
      } else {
        offset = num(1, "offset");
        offsetLine = true;
      }
      continue;
    }
    if (op === "capacity") {
      if (base !== undefined || capacity !== undefined) {
        throw err(fields[0].col, "'capacity' comes once, before 'region'");
      }
      const feature = fields[1]?.text.toLowerCase();
      if (fields.length !== 2 || !BITMAP_CAPACITIES.includes(feature as BitmapCapacity)) {
        throw err(
          fields[0].col,
          `'capacity' takes one of ${BITMAP_CAPACITIES.join(", ")}, found '${
            fields.slice(1).map((f) => f.text).join(" ")
          }'`,
        );
      }
      capacity = feature as BitmapCapacity;
      continue;
    }
    if (base === undefined) {
      if (op !== "region") {
        throw err(fields[0].col, `expected 'region BASE SIZE' first, found '${op}'`);
      }
      if (fields.length !== 3) {
        throw err(fields[0].col, `'region' takes BASE and SIZE, found ${fields.length - 1} fields`);
      }
      base = num(1, "base");
      regionLine = li + 1;
      size = num(2, "size");
      try {
        window = AddressWindow.forRegion(base, size);
      } catch (e) {
        throw err(fields[1].col, (e as Error).message);
      }
      continue;
    }
    const arity = ARITY[op];
    if (arity === undefined) {
      throw err(
        fields[0].col,
        op === "region"
          ? "a trace has one 'region' line"
          : `unknown operation '${op}' (expected a, at, p, d, f, add or cpu)`,
      );
    }
    if (fields.length !== arity + 1) {
      throw err(
        fields[0].col,
        `'${op}' takes ${arity} field${arity === 1 ? "" : "s"}, found ${fields.length - 1}`,
      );
    }
    if (count === room) grow();
    lineNo[count] = li + 1;
    if (op === "cpu") {
      const k = small(1, "CPU");
      if (k >= cpus) {
        throw err(
          fields[1].col,
          cpusLine
            ? `CPU ${k} is past the 'cpus ${cpus}' header`
            : `CPU ${k} needs a 'cpus N' header before 'region' (without one the trace has CPU 0 only)`,
        );
      }
      kind[count] = OP_CPU;
      arg0[count] = k;
      count++;
      continue;
    }
    if (op === "add") {
      const at = num(1, "base");
      const bytes = small(2, "size");
      if (!window.contains(at) || !window.contains(at + BigInt(bytes))) {
        throw err(
          fields[1].col,
          `'add' region ${fields[1].text} +${bytes} is too far from the 'region' line's base ` +
            `to be simulated with it`,
        );
      }
      kind[count] = OP_ADD;
      arg0[count] = window.toLocal(at);
      arg1[count] = bytes;
      count++;
      continue;
    }
    const opId = small(1, "ID");
    id[count] = opId;
    if (opId > maxId) maxId = opId;
    switch (op) {
      case "a":
        kind[count] = OP_ALLOC;
        arg0[count] = small(2, "size");
        arg1[count] = small(3, "alignment");
        break;
      case "p":
        kind[count] = OP_PAGES;
        arg0[count] = small(2, "page count");
        arg1[count] = small(3, "alignment");
        break;
      case "at": {
        kind[count] = OP_ALLOC_AT;
        const at = num(2, "base");
        arg0[count] = window.contains(at) ? window.toLocal(at) : -1;
        if (arg0[count] < 0) farBase.set(count, at);
        arg1[count] = small(3, "page count");
        arg2[count] = small(4, "alignment");
        break;
      }
      case "d":
        kind[count] = OP_DMA32;
        arg0[count] = small(2, "page count");
        arg1[count] = small(3, "alignment");
        break;
      case "f":
        kind[count] = OP_FREE;
        break;
    }
    count++;
  }
  if (base === undefined) {
    throw new TraceSyntaxError(name, 1, 1, "empty trace: expected 'region BASE SIZE'");
  }
  const ids = id.subarray(0, count);
  const kinds = kind.subarray(0, count);
  return {
    name,
    base,
    size,
    window,
    capacity: capacity ?? "256m",
    cpus,
    offset,
    length: count,
    kind: kinds,
    id: ids,
    arg0: narrowed(arg0.subarray(0, count)),
    arg1: narrowed(arg1.subarray(0, count)),
    arg2: narrowed(arg2.subarray(0, count)),
    line: lineNo.subarray(0, count),
    regionLine,
    farBase,
    allocOf: pairFrees(kinds, ids, maxId),
  };
}

/** `values` as an `Int32Array` when every one fits (see {@linkcode TraceColumn}). */
function narrowed(values: Float64Array): TraceColumn {
  for (const v of values) if ((v | 0) !== v) return values;
  return Int32Array.from(values);
}

/**
 * Pairs every free with its allocation once, so that replays (run many
 * times by benchmarks) need no per-ID bookkeeping. Dense IDs (the usual
 * 0, 1, 2, ...) are looked up in an array; sparse ones in a map, so that
 * memory follows the number of operations, not the size of the IDs.
 */
function pairFrees(kind: Uint8Array, id: Float64Array, maxId: number): Int32Array {
  const count = kind.length;
  const allocOf = new Int32Array(count).fill(-1);
  const dense = maxId < 4 * count + 4096;
  const table = dense ? new Int32Array(maxId + 1).fill(FREE_UNALLOCATED) : undefined;
  const map = dense ? undefined : new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const k = kind[i];
    if (k === OP_ADD || k === OP_CPU) continue;
    const j = id[i];
    if (k !== OP_FREE) {
      if (table) table[j] = i;
      else map!.set(j, i);
      continue;
    }
    const last = table ? table[j] : map!.get(j) ?? FREE_UNALLOCATED;
    allocOf[i] = last;
    if (last >= 0) {
      if (table) table[j] = FREE_TWICE;
      else map!.set(j, FREE_TWICE);
    }
  }
  return allocOf;
}
