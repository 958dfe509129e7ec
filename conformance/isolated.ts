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
import { PROGRESS_BYTES, readCalls, readProgress } from "./protocol.ts";
import { CHANNEL_BYTES, closeChannel } from "./subject_channel.ts";
import type { SubjectHostMessage } from "./subject_host.ts";
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
   * Stop after a call that hung (its contract judged) and say where to
   * resume: a caller that runs this in a process of its own starts a new
   * one, which leaves the stuck thread behind.
   */
  stopAfterHang?: boolean;
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
  | {
    ok: true;
    rows: ConformanceResult[];
    name: string;
    /** Where to go on (with {@linkcode IsolatedOptions.stopAfterHang}, after a hang). */
    resume?: { script: number; contract: number };
  }
  | { ok: false; problem: string };

const WORKER = new URL("./worker.ts", import.meta.url);
const SUBJECT_HOST = new URL("./subject_host.ts", import.meta.url);

/** The Workers of one run: the checker's, and the user's module's when there is one. */
export interface Realms {
  /** The checker's worker (mmsim's code only; a model or a WebAssembly module runs in it). */
  checker: Worker;
  /** The worker holding the user's TypeScript module, if the target is one. */
  subject?: Worker;
  /** The target as the checker is to load it. */
  spec: TargetSpec;
}

/**
 * Starts the realms for `target`: a user's TypeScript module is imported in
 * a worker of its own (reading `readable` while it loads, nothing after),
 * which answers through a call channel; the checker's worker gets the
 * channel, never the module. A module that cannot be loaded is a problem.
 *
 * @example
 * ```ts ignore
 * const realms = await startRealms({ builtin: "tlsf" }, []);
 * if (!("problem" in realms)) realms.checker.postMessage(request);
 * ```
 */
export async function startRealms(
  target: TargetSpec,
  readable: string[],
): Promise<Realms | { problem: string }> {
  // The checker's worker loads mmsim while the user's module is imported.
  const checker = sandboxWorker([]);
  if (!("module" in target)) return { checker, spec: target };
  const subject = sandboxWorker(readable, SUBJECT_HOST);
  const channel = new SharedArrayBuffer(CHANNEL_BYTES);
  // Messages from that realm count only with this secret: its code cannot know it.
  const token = crypto.randomUUID();
  const answer = await new Promise<SubjectHostMessage | { kind: "crash"; message: string }>(
    (resolve) => {
      subject.onmessage = (e: MessageEvent<SubjectHostMessage>) => {
        if (e.data?.token === token) resolve(e.data);
      };
      subject.onerror = (e) => {
        e.preventDefault();
        resolve({ kind: "crash", message: e.message });
      };
      subject.postMessage({ token, module: target.module, path: target.path, channel });
    },
  );
  subject.onmessage = null;
  if (answer.kind !== "ready") {
    subject.terminate();
    checker.terminate();
    return { problem: answer.message };
  }
  return {
    checker,
    subject,
    spec: { remote: channel, kind: answer.interface, path: target.path },
  };
}

/**
 * A Worker running `entry` (the checker's worker by default) with no
 * permissions but reading `readable` (a user's module's directory and
 * mmsim's sources, while the module is imported).
 *
 * @example
 * ```ts ignore
 * const worker = sandboxWorker([]);
 * worker.postMessage(request);
 * ```
 */
export function sandboxWorker(readable: string[], entry: URL = WORKER): Worker {
  return new Worker(entry, {
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
      : outcome.kind === "silent"
      ? `the checker stopped answering for ${SILENCE_MS / 60_000} minutes (a bug of mmsim's: ` +
        "please report it)"
      : `${op} did not return within ${options.timeout} s`;
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
    // A thread stuck in a loop cannot always be stopped, and keeps a core
    // busy: a process of its own goes on from here, if the caller can start one.
    if (options.stopAfterHang) {
      for (const r of rows) r.target = name;
      return { ok: true, rows, name, resume: start };
    }
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
  | { kind: "silent"; at: Place; name?: string }
  | { kind: "crash"; at: Place; message: string; name?: string };

/** Runs one worker until it is done, cannot load the allocator, or a call hangs. */
async function runWorker(
  request: WorkerRequest,
  options: IsolatedOptions,
  rows: ConformanceResult[],
): Promise<WorkerEnd> {
  const realms = await startRealms(request.target, options.readable);
  if ("problem" in realms) return { kind: "module-error", message: realms.problem };
  const worker = realms.checker;
  let at: Place = {
    script: request.start.script,
    contract: request.start.contract,
  };
  let target: string | undefined;
  return new Promise((resolve) => {
    const finish = (end: WorkerEnd) => {
      clearInterval(watch);
      clearTimeout(silence);
      worker.terminate();
      stopSubject(realms);
      resolve({ ...end, name: target });
    };
    // A hang is a call of the allocator that has not returned for the
    // limit, by this thread's clock (the allocator cannot reach it): the
    // checker's own work, however slow on a busy machine, never counts.
    let lastCalls = -1;
    let since = performance.now();
    const watch = setInterval(() => {
      const now = performance.now();
      const calls = readCalls(request.progress);
      if (readProgress(request.progress) === "" || calls !== lastCalls) {
        lastCalls = calls;
        since = now;
      } else if (now - since >= request.timeout * 1000) finish({ kind: "timeout", at });
    }, 100);
    // A checker that says nothing for ten minutes between calls is a bug of
    // mmsim's; it still ends the run, said as such.
    let silence: ReturnType<typeof setTimeout> | undefined;
    const quiet = () => {
      clearTimeout(silence);
      silence = setTimeout(() => finish({ kind: "silent", at }), SILENCE_MS);
    };
    quiet();
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      quiet();
      const m = e.data;
      switch (m.kind) {
        case "module-error":
          return finish({ kind: "module-error", message: m.message });
        case "target":
          target = m.name;
          return;
        case "start":
          at = { script: m.script, contract: m.contract, name: m.name };
          options.onEvent?.(m);
          return;
        case "row":
          push(rows, options, m.row);
          return;
        case "script-done":
          at = { script: m.script + 1, contract: 0 };
          return;
        case "done":
          return finish({ kind: "done" });
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      finish({ kind: "crash", at, message: e.message });
    };
    worker.postMessage({ ...request, target: realms.spec });
  });
}

/** Closes the user's realm: its loop ends, and the worker is stopped. */
export function stopSubject(realms: Realms): void {
  if (realms.subject === undefined) return;
  if ("remote" in realms.spec) closeChannel(realms.spec.remote);
  realms.subject.terminate();
}

/** How long the checker may go without a message or a call (a bug of mmsim's past it). */
const SILENCE_MS = 10 * 60 * 1000;
