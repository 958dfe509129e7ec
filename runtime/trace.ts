/**
 * The fidelity trace format (`../shared/fidelity/README.md`): a `region`
 * line, then one allocator operation a line.
 *
 * | line | meaning |
 * | --- | --- |
 * | `region BASE SIZE` | `init(BASE, SIZE)` (or `global_init`) |
 * | `a ID SIZE ALIGN` | byte `alloc`; for `bitmap`, `alloc_pages(SIZE, ALIGN)` |
 * | `at ID BASE NPAGES ALIGN` | `alloc_pages_at` |
 * | `p ID NPAGES ALIGN` | `alloc_pages` on the global allocator |
 * | `f ID` | free what allocation `ID` got |
 *
 * @module
 */

import { AddressWindow, parseU64 } from "../hal/address.ts";

/** Operation codes in {@linkcode Trace.kind}. */
export const OP_ALLOC = 0;
/** `at`: allocate pages at an address. */
export const OP_ALLOC_AT = 1;
/** `p`: allocate pages from the global allocator. */
export const OP_PAGES = 2;
/** `f`: free an earlier allocation. */
export const OP_FREE = 3;

/** The names of the operation codes, as written in traces. */
export const OP_NAMES: readonly string[] = ["a", "at", "p", "f"];

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
  /** The number of operations. */
  length: number;
  /** One of `OP_ALLOC`, `OP_ALLOC_AT`, `OP_PAGES`, `OP_FREE` per operation. */
  kind: Uint8Array;
  /** The allocation ID of each operation. */
  id: Int32Array;
  /** `a`: size or page count; `at`: base (local to `window`, -1 outside it); `p`: page count. */
  arg0: Float64Array;
  /** `a`, `p`: alignment; `at`: page count. */
  arg1: Float64Array;
  /** `at`: alignment. */
  arg2: Float64Array;
  /** The 1-based source line of each operation. */
  line: Int32Array;
  /** One more than the largest ID used. */
  idCount: number;
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

const MAX_ID = 0x7fff_ffff;
const ARITY: Record<string, number> = { a: 3, at: 4, p: 3, f: 1 };

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
  const lines = text.split("\n");
  const n = lines.length;
  const kind = new Uint8Array(n);
  const id = new Int32Array(n);
  const arg0 = new Float64Array(n);
  const arg1 = new Float64Array(n);
  const arg2 = new Float64Array(n);
  const lineNo = new Int32Array(n);
  let count = 0;
  let idCount = 0;
  let base: bigint | undefined;
  let size = 0n;
  let window = new AddressWindow();

  for (let li = 0; li < n; li++) {
    let raw = lines[li];
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
    if (base === undefined) {
      if (op !== "region") {
        throw err(fields[0].col, `expected 'region BASE SIZE' first, found '${op}'`);
      }
      if (fields.length !== 3) {
        throw err(fields[0].col, `'region' takes BASE and SIZE, found ${fields.length - 1} fields`);
      }
      base = num(1, "base");
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
          : `unknown operation '${op}' (expected a, at, p or f)`,
      );
    }
    if (fields.length !== arity + 1) {
      throw err(
        fields[0].col,
        `'${op}' takes ${arity} field${arity === 1 ? "" : "s"}, found ${fields.length - 1}`,
      );
    }
    const opId = small(1, "ID");
    if (opId > MAX_ID) throw err(fields[1].col, `ID ${opId} is too large`);
    id[count] = opId;
    if (opId >= idCount) idCount = opId + 1;
    lineNo[count] = li + 1;
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
        arg1[count] = small(3, "page count");
        arg2[count] = small(4, "alignment");
        break;
      }
      case "f":
        kind[count] = OP_FREE;
        break;
    }
    count++;
  }
  if (base === undefined) {
    throw new TraceSyntaxError(name, 1, 1, "empty trace: expected 'region BASE SIZE'");
  }
  // Pair every free with its allocation once, so that replays (run many
  // times by benchmarks) need no per-ID bookkeeping.
  const allocOf = new Int32Array(count).fill(-1);
  const last = new Int32Array(idCount).fill(FREE_UNALLOCATED);
  for (let i = 0; i < count; i++) {
    const j = id[i];
    if (kind[i] !== OP_FREE) last[j] = i;
    else {
      allocOf[i] = last[j];
      if (last[j] >= 0) last[j] = FREE_TWICE;
    }
  }
  return {
    name,
    base,
    size,
    window,
    length: count,
    kind: kind.subarray(0, count),
    id: id.subarray(0, count),
    arg0: arg0.subarray(0, count),
    arg1: arg1.subarray(0, count),
    arg2: arg2.subarray(0, count),
    line: lineNo.subarray(0, count),
    idCount,
    allocOf,
  };
}
