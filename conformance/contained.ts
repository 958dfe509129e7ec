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
}

/** What the child writes, one per line. */
type ChildEvent = IsolatedEvent | { kind: "end"; ok: boolean; name?: string; problem?: string };

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
  for (;;) {
    const request: ChildRequest = {
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
    const decoder = new TextDecoder();
    let buffered = "";
    const stderr = new Response(child.stderr).text();
    for await (const chunk of child.stdout) {
      buffered += decoder.decode(chunk, { stream: true });
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === "") continue;
        const e = JSON.parse(line) as ChildEvent;
        if (e.kind === "op") op = e.op;
        else if (e.kind === "start") at = e;
        else if (e.kind === "row") {
          rows.push(e.row);
          at = undefined;
        } else end = e;
      }
    }
    const status = await child.status;
    const errors = await stderr;
    if (end !== undefined) {
      if (!end.ok) {
        return { ok: false, problem: end.problem ?? "the allocator could not be loaded" };
      }
      name = end.name ?? name;
      break;
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
    rows.push(resultRow(
      script,
      { name, builtin: "builtin" in target },
      at?.name ?? "(script)",
      false,
      why,
      0,
    ));
    if (at === undefined || at.script >= scripts.length) break;
    start = { script: at.script, contract: at.contract + 1 };
  }
  for (const r of rows) r.target = name;
  return { ok: true, rows, name };
}

/** The child: runs the request from standard input, writes events as JSON lines. */
async function host(): Promise<void> {
  const request = JSON.parse(await new Response(Deno.stdin.readable).text()) as ChildRequest;
  const out = (e: ChildEvent) =>
    Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(e) + "\n"));
  const outcome = await runIsolated(request.scripts, request.target, {
    ...request.options,
    seed: BigInt(request.options.seed),
    onEvent: out,
  });
  out(
    outcome.ok
      ? { kind: "end", ok: true, name: outcome.name }
      : { kind: "end", ok: false, problem: outcome.problem },
  );
  Deno.exit(0);
}

if (import.meta.main) await host();
