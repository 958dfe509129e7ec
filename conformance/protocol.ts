/**
 * What the conformance runner and its workers say to each other: the
 * request, the messages back, and the shared record of the call in
 * progress (so that a call that never returns can be named).
 *
 * @module
 */

import type { ConformanceResult, ConformanceScript } from "./runner.ts";

/** Which allocator a worker tests: a model, a user's module, or a WebAssembly module's family. */
export type TargetSpec =
  | { builtin: string }
  | { module: string; path: string }
  | { wasm: Uint8Array; path: string; family: "ByteAllocator" | "PageAllocator" }
  | RemoteSpec;

/**
 * A user's module as the checker sees it: loaded in a realm of its own
 * (see `subject_host.ts`), reached through the call channel.
 */
export interface RemoteSpec {
  /** The call channel. */
  remote: SharedArrayBuffer;
  /** The interface its class implements. */
  kind: "ByteAllocator" | "PageAllocator" | "IdAllocator";
  /** The module's path, as the user named it. */
  path: string;
}

/** What the runner asks of a worker. */
export interface WorkerRequest {
  /** The scripts, in order. */
  scripts: ConformanceScript[];
  /** The allocator. */
  target: TargetSpec;
  /** The scripts' seed. */
  seed: string;
  /** Seconds a contract may run. */
  timeout: number;
  /** Where to start: a script, and the contracts of it to pass over. */
  start: { script: number; contract: number };
  /** Where the worker writes the call in progress (a length, then UTF-8 bytes). */
  progress: SharedArrayBuffer;
  /** The fuzzing contract's budget in milliseconds (0: none), its seed. */
  fuzz: { ms: number; seed: number };
  /** A built-in model every call is also made on and must answer the same (`--exact`). */
  exact?: string;
}

/** A fuzzing campaign a worker runs (`deno task fuzz`). */
export interface FuzzRequest {
  /** Marks the request as a campaign. */
  campaign: true;
  /** The allocator. */
  target: TargetSpec;
  /** The campaign's seed. */
  seed: number;
  /** Milliseconds to fuzz for. */
  ms: number;
  /** A built-in model to compare every result with, if any. */
  exact?: string;
  /** Where the worker writes the call in progress. */
  progress: SharedArrayBuffer;
  /** Where the worker keeps the reproducer lines of the sequence it runs (see {@linkcode lineLog}). */
  lines: SharedArrayBuffer;
}

/** Bytes of the shared log of the running sequence's reproducer lines. */
export const LINE_LOG_BYTES = 1 << 20;

/** A shared line log being written: {@linkcode lineLog}. */
export interface LineLog {
  /** Adds a line (kept until the next flush); `undefined` starts the log afresh. */
  (line: string | undefined): void;
  /** Writes the lines added since the last flush where the runner reads them. */
  flush(): void;
}

/**
 * Appends lines to a shared log (a length, then UTF-8 text); `undefined`
 * starts it afresh. Lines are kept until {@linkcode LineLog.flush} and then
 * written at once (the worker flushes before every call of the allocator:
 * what the runner reads when a call never returns is complete). A full log
 * keeps its first megabyte.
 */
export function lineLog(buffer: SharedArrayBuffer): LineLog {
  const head = new Int32Array(buffer, 0, 1);
  const bytes = new Uint8Array(buffer, 4);
  const encoder = new TextEncoder();
  let used = 0;
  let pending: string[] = [];
  const log = ((line: string | undefined) => {
    if (line === undefined) {
      pending = [];
      used = 0;
      Atomics.store(head, 0, 0);
    } else pending.push(line);
  }) as LineLog;
  log.flush = () => {
    if (pending.length === 0) return;
    const { written } = encoder.encodeInto(pending.join("\n") + "\n", bytes.subarray(used));
    used += written;
    pending = [];
    Atomics.store(head, 0, used);
  };
  return log;
}

/** The lines in a shared log. */
export function readLines(buffer: SharedArrayBuffer): string[] {
  const n = Atomics.load(new Int32Array(buffer, 0, 1), 0);
  const text = new TextDecoder().decode(new Uint8Array(buffer, 4, n).slice());
  return text.split("\n").filter((l) => l !== "");
}

/** What a worker tells the runner. */
export type WorkerMessage =
  | { kind: "fuzz-progress"; operations: number; runs: number }
  | {
    kind: "fuzz-done";
    failure?: string;
    steps: { lines: string[] }[];
    runs: number;
    operations: number;
    interface: "ByteAllocator" | "PageAllocator" | "IdAllocator";
    name: string;
  }
  | { kind: "module-error"; message: string }
  | { kind: "target"; name: string; interfaces: readonly string[] }
  | { kind: "start"; script: number; contract: number; name: string }
  | { kind: "row"; script: number; row: ConformanceResult }
  | { kind: "script-done"; script: number }
  | { kind: "done" };

/**
 * Bytes of the shared record of the call in progress: a length, a count,
 * an address (a float64), then the call's text, in which `#` stands for
 * that address (in hex; `%`: as a decimal ID).
 */
export const PROGRESS_BYTES = 16 + 4096;

/** The call in progress, as the runner reads it back (`""` between calls). */
export function readProgress(progress: SharedArrayBuffer): string {
  const head = new Int32Array(progress, 0, 2);
  const length = Atomics.load(head, 0);
  const text = new TextDecoder().decode(new Uint8Array(progress, 16, length).slice());
  const address = new Float64Array(progress, 8, 1)[0];
  // `#` is an address (hex), `%` an ID (decimal).
  return Number.isNaN(address)
    ? text
    : text.replace("#", "0x" + address.toString(16)).replace("%", String(address));
}

/** How many calls have started so far (to tell a slow run from a stuck call). */
export function readCalls(progress: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(progress, 0, 2), 1);
}

/**
 * A function that writes the call in progress where the runner reads it.
 * It runs before every call of the allocator, so it writes the text byte by
 * byte (calls are ASCII; anything else is written as `?`) rather than
 * through a `TextEncoder`, which costs twice as much for such short strings,
 * and not at all when it is the text written last (a run of the same call:
 * only the address, `#` in the text, changes).
 */
export function writer(progress: SharedArrayBuffer): (op: string, address?: number) => void {
  const head = new Int32Array(progress, 0, 2);
  const slot = new Float64Array(progress, 8, 1);
  const bytes = new Uint8Array(progress, 16);
  let last = "";
  return (op, address) => {
    // Plain stores, no fences: the runner reads them when a call has not
    // returned for seconds, long after they landed.
    const n = Math.min(op.length, bytes.length);
    if (n === 0) {
      head[0] = 0;
      return;
    }
    slot[0] = address ?? NaN;
    if (op !== last) {
      for (let i = 0; i < n; i++) {
        const c = op.charCodeAt(i);
        bytes[i] = c < 128 ? c : 63;
      }
      last = op;
    }
    head[0] = n;
    head[1]++;
  };
}

/**
 * A module's load failure in words, without JavaScript's stack: the
 * compiler's message and, where it gives one, `file:line:col` first.
 *
 * @example
 * ```ts
 * import { moduleProblem } from "./protocol.ts";
 * const e = new SyntaxError("Expected ',', got '{'\n  |\n3 |   f(a {\n    at file:///tmp/x.ts:3:22");
 * console.log(moduleProblem(e)); // /tmp/x.ts:3:22: SyntaxError: Expected ',', got '{'
 * ```
 */
export function moduleProblem(e: unknown): string {
  const name = e instanceof Error ? e.name : "Error";
  const text = e instanceof Error ? e.message : String(e);
  const lines = text.split("\n");
  const stack = e instanceof Error ? e.stack ?? "" : "";
  const at = /\bat (?:.*\()?(file:\/\/[^\s)]+?):(\d+):(\d+)\)?\s*$/m.exec(text) ??
    /\bat (?:.*\()?(file:\/\/[^\s)]+?):(\d+):(\d+)\)?\s*$/m.exec(stack);
  const first = lines[0].trim();
  const message = /^\w*Error: /.test(first) ? first : `${name}: ${first}`;
  if (at !== null) {
    const file = decodeURIComponent(new URL(at[1]).pathname);
    return `${file}:${at[2]}:${at[3]}: ${message}`;
  }
  return message;
}
