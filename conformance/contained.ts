/**
 * Runs the suite against a user's allocator in a child process that hosts
 * the Worker: an allocator that exhausts memory makes V8 abort the whole
 * process it runs in, which would take the runner (and every verdict) with
 * it. Here only the child dies; the contract it was in fails, named, and a
 * new child goes on with the next contract.
 *
 * The child is this module run as a program: it reads the request on
 * standard input and writes one JSON event per line on standard output.
 *
 * @module
 */

import { type IsolatedEvent, type IsolatedOptions, runIsolated, scriptAt } from "./isolated.ts";
import type { Stmt } from "../dsl/ast.ts";
import { parse } from "../dsl/parser.ts";
import { forEachChild } from "../dsl/walk.ts";
import type { TargetSpec } from "./protocol.ts";
import { type ConformanceResult, type ConformanceScript, resultRow } from "./runner.ts";

/** The heap of a child process that runs a user's allocator, in MiB. */
export const CHILD_HEAP_MIB = 1024;

/** How a contained run goes: the isolated run's options, and the child's heap. */
export interface ContainedOptions extends Omit<IsolatedOptions, "start" | "onEvent"> {
  /** The child's JavaScript heap limit, in MiB (default 1024). */
  heapMiB?: number;
}

/** The results, or why the allocator could not be tested at all. */
export type ContainedOutcome =
  | { ok: true; rows: ConformanceResult[]; name: string }
  | { ok: false; problem: string };

/** What the parent sends the child. */
interface ChildRequest {
  scripts: ConformanceScript[];
  target: TargetSpec;
  options: Omit<IsolatedOptions, "seed" | "onEvent"> & { seed: string };
  /**
   * The secret every protocol line starts with. The child's standard output
   * is shared with the allocator's own output (`console.log`, a write to
   * `Deno.stdout`), which cannot know it: a line without it is the
   * allocator's, shown apart, never read as a verdict.
   */
  nonce: string;
}

/** The longest line of the child's output kept whole (a protocol line is far shorter). */
const MAX_LINE = 64 * 1024;

/** Characters of one protocol line's payload at most: one write, which a pipe keeps whole. */
const CHUNK = 1000;

/** How much of the allocator's own output is kept for one row, and for the run. */
const OUTPUT_PER_ROW = 64 * 1024;
const OUTPUT_TOTAL = 1024 * 1024;

/** What the child writes, one per line. */
type ChildEvent = IsolatedEvent | {
  kind: "end";
  ok: boolean;
  name?: string;
  problem?: string;
  resume?: { script: number; contract: number };
};

/**
 * Runs `scripts` against `target` in a child process (itself running the
 * allocator in a Worker); a child that dies fails the contract it was in.
 *
 * @example
 * ```ts ignore
 * const outcome = await runContained(scripts, { module: "file:///a.ts", path: "a.ts" }, {
 *   seed: 1n, timeout: 10, fuzzMs: 1000, fuzzSeed: 1, readable: ["/home/me/"],
 * });
 * ```
 */
export async function runContained(
  scripts: ConformanceScript[],
  target: TargetSpec,
  options: ContainedOptions,
): Promise<ContainedOutcome> {
  const rows: ConformanceResult[] = [];
  let start = { script: 0, contract: 0 };
  let name = "builtin" in target ? target.builtin : target.path;
  const heap = options.heapMiB ?? CHILD_HEAP_MIB;
  const output = new SubjectOutput();
  const expected = new ExpectedRows(scripts);
  for (;;) {
    const nonce = crypto.randomUUID().replaceAll("-", "");
    const request: ChildRequest = {
      nonce,
      scripts,
      target,
      options: {
        seed: String(options.seed),
        timeout: options.timeout,
        fuzzMs: options.fuzzMs,
        fuzzSeed: options.fuzzSeed,
        readable: options.readable,
        exact: options.exact,
        start,
      },
    };
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--cached-only",
        "--allow-read",
        "--unstable-worker-options",
        `--v8-flags=--max-old-space-size=${heap}`,
        new URL(import.meta.url).pathname,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(request)));
    await writer.close();
    let at: { script: number; contract: number; name: string } | undefined;
    let op = "";
    let end: Extract<ChildEvent, { kind: "end" }> | undefined;
    let broken: string | undefined;
    const frames = new Frames(nonce);
    const onEvent = (e: ChildEvent) => {
      if (e.kind === "op") op = e.op;
      else if (e.kind === "start") at = e;
      else if (e.kind === "row") {
        const wrong = expected.accept(e.row);
        if (wrong !== undefined) broken ??= wrong;
        output.attach(e.row);
        rows.push(e.row);
        at = undefined;
      } else end = e;
    };
    const stderrText: string[] = [];
    await Promise.all([
      lines(child.stdout, (line) => {
        const f = frames.take(line);
        if (f.output !== undefined) output.add(f.output);
        if (f.problem !== undefined) broken ??= f.problem;
        if (f.event !== undefined) onEvent(f.event);
      }),
      lines(child.stderr, (line) => {
        // V8's own report of a heap that ran out is not the allocator's output.
        if (stderrText.length < 64) stderrText.push(line);
        if (!/Fatal JavaScript|out of memory|<--- Last few GCs|^#|^\s*$/.test(line)) {
          output.add(line);
        }
      }),
    ]);
    if (broken !== undefined) {
      // Fail closed: a run whose protocol was tampered with has no verdict to give.
      rows.push(resultRow(
        scriptAt(scripts, at?.script ?? scripts.length),
        { name, builtin: "builtin" in target },
        "(protocol)",
        false,
        `the runner's channel was broken (${broken}): no contract of this run can be trusted`,
        0,
      ));
      for (const r of rows) r.ok = false;
      break;
    }
    const status = await child.status;
    const errors = stderrText.join("\n");
    if (end !== undefined) {
      if (!end.ok) {
        return { ok: false, problem: end.problem ?? "the allocator could not be loaded" };
      }
      name = end.name ?? name;
      if (end.resume === undefined) break;
      // A call hung in that child: a new one goes on, without its stuck thread.
      start = end.resume;
      continue;
    }
    // The child died: the contract it was in fails, and the next child goes on after it.
    const script = scriptAt(scripts, at?.script ?? scripts.length);
    const oom = /out of memory|heap limit/i.test(errors);
    const why = oom
      ? `the allocator exhausted the memory of its worker (a heap of ${heap} MiB)${
        op ? ` in ${op}` : ""
      }`
      : `the allocator's process ended (${
        status.signal ? `signal ${status.signal}` : `exit code ${status.code}`
      })`;
    const died = resultRow(
      script,
      { name, builtin: "builtin" in target },
      at?.name ?? "(script)",
      false,
      why,
      0,
    );
    output.attach(died); // what it printed before it died goes with it
    rows.push(died);
    if (at === undefined || at.script >= scripts.length) break;
    start = { script: at.script, contract: at.contract + 1 };
  }
  for (const r of rows) r.target = name;
  return { ok: true, rows, name };
}

/** Calls `fn` with each line of `stream` as it comes. */
async function lines(
  stream: ReadableStream<Uint8Array>,
  fn: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    for (const line of parts) fn(line);
    // A flood without line breaks is cut into lines, never held whole.
    if (buffered.length > MAX_LINE) {
      fn(buffered.slice(0, MAX_LINE));
      buffered = "";
    }
  }
  buffered += decoder.decode();
  if (buffered !== "") fn(buffered);
}

/**
 * Reads the child's standard output: protocol lines start with the nonce
 * (`NONCE+` a part, `NONCE.` the last part of an event), anything else is
 * the allocator's own output.
 */
class Frames {
  readonly #nonce: string;
  #parts: string[] = [];

  constructor(nonce: string) {
    this.#nonce = nonce;
  }

  take(line: string): { event?: ChildEvent; output?: string; problem?: string } {
    const at = line.indexOf(this.#nonce);
    if (at < 0) return line === "" ? {} : { output: line };
    const before = at > 0 ? line.slice(0, at) : undefined;
    const mark = line[at + this.#nonce.length];
    const payload = line.slice(at + this.#nonce.length + 1);
    if (mark === "+") {
      this.#parts.push(payload);
      return { output: before };
    }
    if (mark !== ".") return { output: before, problem: "a protocol line of no known kind" };
    const text = this.#parts.join("") + payload;
    this.#parts = [];
    try {
      return { event: JSON.parse(text) as ChildEvent, output: before };
    } catch {
      return { output: before, problem: "a protocol line that is not JSON" };
    }
  }
}

/**
 * The rows a run may give: one per contract of its scripts (and the
 * fuzzing contract, and a `(script)` row for an error outside contracts),
 * each at most once. A row for anything else means the channel was
 * tampered with.
 */
class ExpectedRows {
  readonly #contracts = new Map<string, Set<string>>();
  readonly #seen = new Set<string>();

  constructor(scripts: readonly ConformanceScript[]) {
    for (const script of scripts) {
      const names = new Set<string>(["(script)"]);
      const visit = (stmts: readonly Stmt[]): void => {
        for (const s of stmts) {
          if (s.kind === "contract") names.add(s.name);
          forEachChild(s, () => {}, visit);
        }
      };
      visit(parse(script.source, script.path).program.body);
      this.#contracts.set(script.path, names);
    }
  }

  /** Takes `row`; why it cannot be one of this run's, if it cannot. */
  accept(row: ConformanceResult): string | undefined {
    const fuzzing = row.script === "(fuzzing)" && row.contract.startsWith("fuzzing: ");
    const names = this.#contracts.get(row.script);
    if (!fuzzing && !names?.has(row.contract)) {
      return `a row for '${row.contract}', which no script of the run has`;
    }
    const key = `${row.script}\u0000${row.contract}`;
    if (this.#seen.has(key) && row.contract !== "(script)") {
      return `a second row for '${row.contract}'`;
    }
    this.#seen.add(key);
    return undefined;
  }
}

/**
 * The allocator's own output, kept apart from the verdicts, bounded, and
 * attached to the next row (the contract it came from).
 */
class SubjectOutput {
  #pending: string[] = [];
  #pendingBytes = 0;
  #total = 0;
  #dropped = 0;

  add(line: string): void {
    if (
      this.#pendingBytes + line.length > OUTPUT_PER_ROW || this.#total + line.length > OUTPUT_TOTAL
    ) {
      this.#dropped++;
      return;
    }
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    this.#total += line.length;
  }

  attach(row: ConformanceResult): void {
    if (this.#dropped > 0) {
      this.#pending.push(
        `... ${this.#dropped} more line${this.#dropped === 1 ? "" : "s"} not kept`,
      );
    }
    if (this.#pending.length > 0) row.output = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#dropped = 0;
  }
}

/** The child: runs the request from standard input, writes events as JSON lines. */
async function host(): Promise<void> {
  const request = JSON.parse(await new Response(Deno.stdin.readable).text()) as ChildRequest;
  const encoder = new TextEncoder();
  const write = Deno.stdout.writeSync.bind(Deno.stdout);
  const out = (e: ChildEvent) => {
    // Each line is one write of at most a few KB, which a pipe never splits:
    // the allocator's own writes can come between lines, never inside one.
    const text = JSON.stringify(e);
    for (let i = 0; i < text.length; i += CHUNK) {
      const last = i + CHUNK >= text.length;
      write(encoder.encode(`\n${request.nonce}${last ? "." : "+"}${text.slice(i, i + CHUNK)}\n`));
    }
  };
  const outcome = await runIsolated(request.scripts, request.target, {
    ...request.options,
    seed: BigInt(request.options.seed),
    onEvent: out,
    stopAfterHang: true,
  });
  out(
    outcome.ok
      ? { kind: "end", ok: true, name: outcome.name, resume: outcome.resume }
      : { kind: "end", ok: false, problem: outcome.problem },
  );
  Deno.exit(0);
}

if (import.meta.main) await host();
