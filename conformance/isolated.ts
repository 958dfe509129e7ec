/**
 * Runs the conformance suite against one allocator in a Deno Worker, under
 * time limits: a contract whose allocator call never returns fails with the
 * call named, the worker is replaced, and the suite goes on with the next
 * contract. The verdict is made here, on the main thread, after every
 * contract has been judged.
 *
 * @module
 */

import type { TargetSpec, WorkerMessage, WorkerRequest } from "./protocol.ts";
import { PROGRESS_BYTES, readProgress } from "./protocol.ts";
import { type ConformanceResult, type ConformanceScript, resultRow } from "./runner.ts";

/** How the suite is run. */
export interface IsolatedOptions {
  /** The scripts' seed. */
  seed: bigint;
  /** Seconds each contract (and the fuzzing contract) may run. */
  timeout: number;
  /** Milliseconds of fuzzing for the allocator (0: none). */
  fuzzMs: number;
  /** The fuzzing contract's seed. */
  fuzzSeed: number;
  /** Directories the worker may read while it imports a user module. */
  readable: string[];
  /** A built-in model every call is also made on and must answer the same (`--exact`). */
  exact?: string;
  /** Where to start (default: the first contract of the first script). */
  start?: { script: number; contract: number };
  /**
   * Told of each contract as it starts, of each result as it is judged, and
   * (every 50 ms, when it changed) of the allocator call in progress.
   */
  onEvent?: (event: IsolatedEvent) => void;
}

/** What {@linkcode IsolatedOptions.onEvent} is told. */
export type IsolatedEvent =
  | { kind: "start"; script: number; contract: number; name: string }
  | { kind: "row"; row: ConformanceResult }
  | { kind: "op"; op: string };

/** The suite's results, or why the allocator could not be tested at all. */
export type IsolatedOutcome =
  | { ok: true; rows: ConformanceResult[]; name: string }
  | { ok: false; problem: string };

const WORKER = new URL("./worker.ts", import.meta.url);

/**
 * A Worker running the conformance worker with no permissions but reading
 * `readable` (a user's module's directory, while it is imported).
 *
 * @example
 * ```ts ignore
 * const worker = sandboxWorker([]);
 * worker.postMessage(request);
 * ```
 */
export function sandboxWorker(readable: string[]): Worker {
  return new Worker(WORKER, {
    type: "module",
    deno: {
      permissions: {
        read: readable.length > 0 ? readable : false,
        write: false,
        net: false,
        env: false,
        run: false,
        ffi: false,
        sys: false,
        import: false,
      },
    },
  } as WorkerOptions);
}

/** A user's module to test: how the worker finds it, and what it may read while importing it. */
export interface UserModule {
  /** The target. */
  spec: TargetSpec;
  /** Its directory and mmsim's, readable while the module is imported. */
  readable: string[];
}

/**
 * A user's module `path` (relative to the working directory) as a target,
 * or why it cannot be one (it is not a file).
 *
 * @example
 * ```ts ignore
 * const m = userModule("examples/first_fit_allocator.ts");
 * if ("problem" in m) console.error(m.problem);
 * ```
 */
export function userModule(path: string): UserModule | { problem: string } {
  const url = new URL(path, `file://${Deno.cwd()}/`);
  try {
    if (!Deno.statSync(url).isFile) throw new Error("not a file");
  } catch (e) {
    return { problem: `cannot use ${path}: ${(e as Error).message}` };
  }
  return {
    spec: { module: url.href, path },
    readable: [
      url.pathname.slice(0, url.pathname.lastIndexOf("/") + 1),
      new URL("..", import.meta.url).pathname,
    ],
  };
}

/**
 * Runs `scripts` (those that apply are chosen by the caller) against the
 * allocator `target` in a worker.
 *
 * @example
 * ```ts ignore
 * const outcome = await runIsolated(scripts, { builtin: "tlsf" }, {
 *   seed: 1n, timeout: 10, fuzzMs: 0, fuzzSeed: 1, readable: [],
 * });
 * ```
 */
export async function runIsolated(
  scripts: ConformanceScript[],
  target: TargetSpec,
  options: IsolatedOptions,
): Promise<IsolatedOutcome> {
  const progress = new SharedArrayBuffer(PROGRESS_BYTES);
  let lastOp = "";
  const watch = options.onEvent === undefined ? undefined : setInterval(() => {
    const op = readProgress(progress);
    if (op !== lastOp) options.onEvent!({ kind: "op", op: lastOp = op });
  }, 50);
  try {
    return await judgeAll(scripts, target, options, progress);
  } finally {
    clearInterval(watch);
  }
}

/** The script a contract index points at: one of `scripts`, or the fuzzing contract after them. */
export function scriptAt(scripts: ConformanceScript[], index: number): ConformanceScript {
  return index < scripts.length
    ? scripts[index]
    : { path: "(fuzzing)", source: "", interface: "", level: "contract" };
}

/** Runs workers until every contract is judged: one that ends a worker fails, and the next goes on. */
async function judgeAll(
  scripts: ConformanceScript[],
  target: TargetSpec,
  options: IsolatedOptions,
  progress: SharedArrayBuffer,
): Promise<IsolatedOutcome> {
  const rows: ConformanceResult[] = [];
  let start = options.start ?? { script: 0, contract: 0 };
  let name = "builtin" in target ? target.builtin : target.path;
  for (;;) {
    const outcome = await runWorker(
      {
        scripts,
        target,
        seed: String(options.seed),
        timeout: options.timeout,
        start,
        progress,
        fuzz: { ms: options.fuzzMs, seed: options.fuzzSeed },
        exact: options.exact,
      },
      options,
      rows,
    );
    if (outcome.kind === "module-error") return { ok: false, problem: outcome.message };
    if (outcome.name !== undefined) name = outcome.name;
    if (outcome.kind === "done") break;
    const where = outcome.at;
    const op = readProgress(progress);
    const what = outcome.kind === "crash"
      ? `the allocator under test crashed its worker${op ? ` in ${op}` : ""}: ${outcome.message}`
      : op !== ""
      ? `${op} did not return within ${options.timeout} s`
      : `the contract did not end within ${options.timeout} s`;
    push(
      rows,
      options,
      resultRow(
        scriptAt(scripts, where.script),
        { name, builtin: "builtin" in target },
        where.name ?? "(script)",
        false,
        what,
        options.timeout * 1000,
      ),
    );
    // The fuzzing contract is the last: once it has been judged, the suite is done.
    if (where.script >= scripts.length) break;
    start = where.name === undefined
      ? { script: where.script + 1, contract: 0 }
      : { script: where.script, contract: where.contract + 1 };
  }
  for (const r of rows) r.target = name;
  return { ok: true, rows, name };
}

function push(rows: ConformanceResult[], options: IsolatedOptions, row: ConformanceResult): void {
  rows.push(row);
  options.onEvent?.({ kind: "row", row });
}

type Place = { script: number; contract: number; name?: string };

type WorkerEnd =
  | { kind: "done"; name?: string }
  | { kind: "module-error"; message: string; name?: string }
  | { kind: "timeout"; at: Place; name?: string }
  | { kind: "crash"; at: Place; message: string; name?: string };

/** Runs one worker until it is done, cannot load the allocator, or a contract times out. */
function runWorker(
  request: WorkerRequest,
  options: IsolatedOptions,
  rows: ConformanceResult[],
): Promise<WorkerEnd> {
  const worker = sandboxWorker(options.readable);
  let at: Place = {
    script: request.start.script,
    contract: request.start.contract,
  };
  let target: string | undefined;
  // A contract's own limit is enforced in the worker; this one catches a
  // call that never returns (a second more, and the load of the module).
  const limit = (request.timeout + 1) * 1000;
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (end: WorkerEnd) => {
      clearTimeout(timer);
      worker.terminate();
      resolve({ ...end, name: target });
    };
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => finish({ kind: "timeout", at }), ms);
    };
    arm(limit + 5000);
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data;
      switch (m.kind) {
        case "module-error":
          return finish({ kind: "module-error", message: m.message });
        case "target":
          target = m.name;
          return arm(limit);
        case "start":
          at = { script: m.script, contract: m.contract, name: m.name };
          options.onEvent?.(m);
          return arm(limit);
        case "row":
          push(rows, options, m.row);
          return arm(limit);
        case "script-done":
          at = { script: m.script + 1, contract: 0 };
          return arm(limit);
        case "done":
          return finish({ kind: "done" });
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      finish({ kind: "crash", at, message: e.message });
    };
    worker.postMessage(request);
  });
}
