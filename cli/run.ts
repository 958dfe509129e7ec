/**
 * `deno task run <script.mms>`: runs a scenario script on the simulated
 * machine.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ANSI, escapeControls, formatProblem, PLAIN, type Style } from "../dsl/diagnostics.ts";
import { physToVirt, PLATFORMS } from "../hal/platform.ts";
import {
  BYTE_ALLOCATOR_KINDS,
  type ByteAllocatorKind,
  isByteAllocatorKind,
} from "../mm/registry.ts";
import { KernelPanic } from "../mm/axalloc/kernel_memory.ts";
import { KasanReport } from "../mm/kasan/report.ts";
import { formatLeak } from "../mm/kasan/leak_check.ts";
import {
  errorName,
  ExpectationFailed,
  InternalError,
  RunError,
  ScriptError,
  SimError,
  withCode,
} from "../runtime/errors.ts";
import type { WasmAllocatorModule } from "../mm/wasm/wasm_module.ts";
import { wasmModule } from "./wasm_file.ts";
import { Interpreter } from "../runtime/interpreter.ts";
import { DISK, load } from "../runtime/loader.ts";
import { BUILTIN_GROUPS } from "../runtime/builtins.ts";
import { TraceRecorder } from "../trace/recorder.ts";
import { RunRecorder } from "../report/recorder.ts";
import { reportData, type ReportOutcome } from "../report/report_data.ts";
import { reportHtml } from "../report/page.ts";
import { World } from "../runtime/world.ts";

/** How many parse problems the terminal output shows before summing up the rest. */
const MAX_SHOWN_PROBLEMS = 20;

const USAGE = `Usage: deno task run <script.mms> [options]

Runs an .mms scenario on mmsim's simulated machine. A bare name is also
looked up in scripts/ (deno task run boot.mms).

Options:
  --platform NAME     ${Object.keys(PLATFORMS).join(", ")}
                      (overrides the script's 'platform' statement)
  --allocator NAME    the global allocator's byte allocator: ${BYTE_ALLOCATOR_KINDS.join(", ")}
                      or FILE.wasm, your own compiled to WebAssembly (docs/WASM_ABI.md):
                      its byte family replaces the byte allocator, its page
                      family the bitmap page allocator
                      (overrides 'kernel byte_allocator = ...')
  --seed N            seed of rand() (default 1): same script and seed, same output
  --quiet             print only the script's own output (no kernel log, no summary)
  --json              one JSON event per line: print, log, expect, error, end
  --timeout SECONDS   stop a script that runs longer (the statement it was at
                      and how many ran are reported; exit 1)
  --sanitize on|off   the KASAN-style sanitizer (default on): every access and
                      free the script makes is checked against what it owns
  --leak-check        at the end, report every live object nothing reachable
                      points to (kmemleak's scan); leaks fail the run
  --report FILE       write an HTML report of the run to FILE: the memory map, a
                      timeline of every block with its script line, fragmentation
                      over time, buddyinfo/slabinfo, page tables and failures (one
                      self-contained file; needs write permission for it)
  --trace FILE        write the global allocator's operations to FILE in the
                      fidelity trace format (replay it with deno task replay);
                      needs write permission for FILE:
                      deno run --allow-read --allow-write=FILE cli/run.ts ...
  -h, --help          this text

Exit codes: 0 all ran and every expect held; 1 a runtime error, a failed
expect or a kernel panic; 2 the script does not parse or the command line is
wrong; 3 an internal error of mmsim (a bug: please report it with the script).
`;

/** The builtins by group, each with its parameters and one-line doc. */
function builtinHelp(): string {
  const lines = ["Builtins (docs/LANGUAGE.md has them all, with examples):"];
  for (const g of BUILTIN_GROUPS) {
    lines.push("", `  ${g.title}:`);
    for (const [name, b] of Object.entries(g.builtins)) {
      lines.push(`    ${name}(${b.params.join(", ")})`.padEnd(40) + ` ${b.doc}`);
    }
    const constants = Object.keys(g.constants);
    if (constants.length > 0) lines.push(`    constants: ${constants.join(", ")}`);
  }
  return lines.join("\n") + "\n";
}

/** Where the command writes. */
export interface RunIo {
  /** A line of standard output. */
  out(line: string): void;
  /** A line of standard error. */
  err(line: string): void;
  /** Reads a file. */
  read(path: string): string;
  /** Where a path really is, links resolved (see `FileAccess.realPath`). */
  realPath?(path: string): string;
  /** Writes a file. */
  write(path: string, text: string): void;
  /** Whether a path exists as a file. */
  exists(path: string): boolean;
  /** Whether colour is wanted. */
  color: boolean;
  /** Whether `path` may be written. */
  canWrite(path: string): boolean;
}

function defaultIo(): RunIo {
  return {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
    read: DISK.read,
    realPath: DISK.realPath,
    write: (p, t) => Deno.writeTextFileSync(p, t),
    exists: (p) => {
      try {
        return Deno.statSync(p).isFile;
      } catch {
        return false;
      }
    },
    color: Deno.stdout.isTerminal() && !Deno.noColor,
    canWrite: (p) => Deno.permissions.querySync({ name: "write", path: p }).state === "granted",
  };
}

/** What `node:zlib` gives the report: its `gzipSync`. */
type Zlib = { gzipSync(data: Uint8Array): Uint8Array };

/**
 * `node:zlib`'s `gzipSync`, loaded when a report is written and not before:
 * importing `node:zlib` (which starts Deno's Node layer) costs every run
 * about 25 ms, an eighth of `deno task run boot.mms`.
 */
function gzipSync(data: Uint8Array): Uint8Array {
  const node = globalThis as unknown as {
    process: { getBuiltinModule(id: "node:zlib"): Zlib };
  };
  return node.process.getBuiltinModule("node:zlib").gzipSync(data);
}

/**
 * Runs the command; returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { main } from "./run.ts";
 * Deno.exitCode = main(["boot.mms", "--quiet"]);
 * ```
 */
export function main(args: string[], io: RunIo = defaultIo()): number {
  const style: Style = io.color ? ANSI : PLAIN;
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        platform: { type: "string" },
        allocator: { type: "string" },
        seed: { type: "string" },
        quiet: { type: "boolean" },
        json: { type: "boolean" },
        trace: { type: "string" },
        report: { type: "string" },
        sanitize: { type: "string" },
        timeout: { type: "string" },
        "leak-check": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    io.err(`run: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: o, positionals } = parsed;
  if (o.help) {
    io.out(USAGE + "\n" + builtinHelp());
    return 0;
  }
  if (positionals.length !== 1) {
    io.err(`run: expected one script, got ${positionals.length}\n\n${USAGE}`);
    return 2;
  }
  if (o.platform !== undefined && !(o.platform in PLATFORMS)) {
    io.err(
      `run: unknown platform '${o.platform}'; platforms: ${Object.keys(PLATFORMS).join(", ")}`,
    );
    return 2;
  }
  // A module's byte family replaces the byte allocator, its page family the bitmap.
  let wasm: WasmAllocatorModule | undefined;
  if (o.allocator?.endsWith(".wasm")) {
    const m = wasmModule(o.allocator);
    if ("problem" in m) {
      io.err(`run: ${escapeControls(m.problem)}`);
      return 2;
    }
    wasm = m.module;
  } else if (
    o.allocator !== undefined && !isByteAllocatorKind(o.allocator)
  ) {
    io.err(
      `run: unknown allocator '${o.allocator}'; allocators: ${
        BYTE_ALLOCATOR_KINDS.join(", ")
      } or a .wasm module`,
    );
    return 2;
  }
  if (o.sanitize !== undefined && o.sanitize !== "on" && o.sanitize !== "off") {
    io.err(`run: --sanitize takes on or off, not '${escapeControls(o.sanitize)}'`);
    return 2;
  }
  if (o.sanitize === "off" && o["leak-check"]) {
    io.err("run: --leak-check needs the sanitizer: drop --sanitize off");
    return 2;
  }
  const timeout = o.timeout === undefined ? undefined : Number(o.timeout);
  if (timeout !== undefined && !(timeout > 0 && Number.isFinite(timeout))) {
    io.err(
      `run: --timeout takes a positive number of seconds, not '${escapeControls(o.timeout!)}'`,
    );
    return 2;
  }
  let seed = 1n;
  if (o.seed !== undefined) {
    if (!/^[0-9]+$/.test(o.seed) || BigInt(o.seed) >= 1n << 64n) {
      io.err(
        `run: --seed takes a non-negative integer, not '${
          escapeControls(o.seed)
        }' (seeds are below 2^64)`,
      );
      return 2;
    }
    seed = BigInt(o.seed);
  }
  if (o.trace !== undefined && !io.canWrite(o.trace)) {
    io.err(
      `run: --trace ${o.trace} needs write permission for that file; run\n` +
        `  deno run --allow-read --allow-write=${o.trace} cli/run.ts ${args.join(" ")}`,
    );
    return 2;
  }
  if (o.report !== undefined && !io.canWrite(o.report)) {
    io.err(
      `run: --report ${o.report} needs write permission for that file; run\n` +
        `  deno run --allow-read --allow-write=${o.report} cli/run.ts ${args.join(" ")}`,
    );
    return 2;
  }
  if (o.report !== undefined && o.sanitize === "off") {
    io.err(
      "run: --report is drawn from the sanitizer's record of every allocation; " +
        "it needs --sanitize on (the default)",
    );
    return 2;
  }
  let path = positionals[0];
  if (!io.exists(path) && !path.includes("/") && io.exists(`scripts/${path}`)) {
    path = `scripts/${path}`;
  }
  let source: string;
  try {
    source = io.read(path);
  } catch (e) {
    io.err(`run: cannot read ${escapeControls(path)}: ${escapeControls((e as Error).message)}`);
    return 2;
  }

  const json = o.json === true;
  const emit = (obj: Record<string, unknown>) => io.out(JSON.stringify(obj));
  const script = load(path, { read: io.read, realPath: io.realPath }, source);
  if (script.problems.length > 0) {
    let shown = 0;
    for (const p of script.problems) {
      // A file that is not a script at all would scroll pages of carets:
      // the terminal gets the first MAX_SHOWN_PROBLEMS (JSON gets them all).
      if (!json && shown++ === MAX_SHOWN_PROBLEMS) {
        io.err(`... and ${script.problems.length - MAX_SHOWN_PROBLEMS} more\n`);
        break;
      }
      const src = script.programs.get(p.file)?.source ?? "";
      if (json) {
        emit({
          event: "error",
          kind: "parse",
          file: p.file,
          line: p.line,
          column: p.column,
          message: p.message,
        });
      } else io.err(formatProblem(p.file, src, p, style) + "\n");
    }
    const n = script.problems.length;
    if (json) emit({ event: "end", status: "parse-error", errors: n });
    else io.err(`${n} error${n === 1 ? "" : "s"}: ${escapeControls(path)} was not run`);
    return 2;
  }

  const trace = o.trace === undefined ? undefined : new TraceRecorder();
  if (o.trace !== undefined) {
    // The target is tried before the run, so that a bad path costs no run
    // and loses no trace.
    try {
      io.write(o.trace, "");
    } catch (e) {
      io.err(
        `run: cannot write the trace to ${escapeControls(o.trace)}: ${
          escapeControls((e as Error).message)
        }`,
      );
      return 2;
    }
  }
  const world = new World({
    platform: o.platform,
    byteAllocator: wasm === undefined ? o.allocator as ByteAllocatorKind | undefined : undefined,
    wasmByteAllocator: wasm?.families.includes("ByteAllocator") ? wasm : undefined,
    wasmPageAllocator: wasm?.families.includes("PageAllocator") ? wasm : undefined,
    loadWasm: loadScriptWasm,
    seed,
    trace,
    sanitize: o.sanitize !== "off",
    log: (line) => {
      if (json) emit({ event: "log", text: line });
      else if (!o.quiet) io.out(style.dim(`[kernel] ${line}`));
    },
    warn: (w) => {
      const loc = w.loc ?? { line: 1, column: 1, start: 0, end: 0 };
      if (json) {
        emit({
          event: "warning",
          file: w.file,
          line: loc.line,
          column: loc.column,
          message: w.message,
        });
        return;
      }
      const source = script.programs.get(w.file)?.source ?? "";
      io.err(formatProblem(
        w.file,
        source,
        { line: loc.line, column: loc.column, length: loc.end - loc.start, message: w.message },
        style,
        "warning",
      ));
    },
  });
  if (o.platform !== undefined) world.pinPlatform();
  if (o.allocator !== undefined) world.pinByteAllocator();
  const recorder = o.report === undefined ? undefined : new RunRecorder(world);
  recorder?.attach();
  let outcome: ReportOutcome = { ok: true, summary: "ok" };
  const interpreter = new Interpreter(world, (e) => {
    if (json) emit(e as unknown as Record<string, unknown>);
    else if (e.event === "print") io.out(e.text);
  }, { timeLimit: timeout });
  let code = 0;
  try {
    const summary = interpreter.run(script);
    if (o["leak-check"] && summary.skipped === undefined) {
      const leaks = world.leaks();
      for (const leak of leaks) {
        const lines = formatLeak(leak, (pa) => physToVirt(world.platform, pa as never));
        if (json) emit({ event: "leak", lines });
        else for (const line of lines) io.err(escapeControls(line));
      }
      if (leaks.length > 0) {
        outcome = { ok: false, summary: `${leaks.length} unreferenced objects (leaks)` };
        if (json) emit({ event: "end", status: "leaks", leaks: leaks.length });
        else {io.err(
            `${leaks.length} unreferenced object${leaks.length === 1 ? "" : "s"}: ${
              escapeControls(path)
            } leaks`,
          );}
        return 1;
      }
    }
    const skip = summary.skipped;
    outcome = {
      ok: true,
      summary: skip !== undefined
        ? `skipped: ${skip.reason}`
        : `${summary.expectations} expectations held, ${summary.statements} statements`,
    };
    if (json) emit({ event: "end", status: skip === undefined ? "ok" : "skipped", ...summary });
    else if (skip !== undefined) {
      // Said even with --quiet: the script did not do what it is for.
      io.out(escapeControls(`skipped: ${skip.file}:${skip.line}: ${skip.reason}`));
    } else if (!o.quiet) {
      io.out(
        style.dim(
          `ok: ${path}: ${summary.expectations} expectations held, ${summary.statements} statements`,
        ),
      );
    }
  } catch (e) {
    if (!(e instanceof RunError)) throw e;
    const inner = e.error;
    const internal = inner instanceof InternalError;
    code = internal ? 3 : 1;
    const kind = inner instanceof ExpectationFailed
      ? "expectation failed"
      : inner instanceof KernelPanic
      ? "kernel panic"
      : internal
      ? "internal error"
      : "error";
    const message = inner instanceof KernelPanic
      ? inner.reason
      : inner instanceof SimError
      ? withCode(inner)
      : inner.message;
    const where = `${e.site.file}:${e.site.loc.line}:${e.site.loc.column}`;
    outcome = { ok: false, summary: `${kind} at ${where}: ${message.split("\n")[0]}` };
    recorder?.ended(
      inner instanceof KasanReport
        ? "sanitizer"
        : inner instanceof ExpectationFailed
        ? "expect"
        : inner instanceof KernelPanic
        ? "panic"
        : "error",
      message,
      where,
    );
    // A long report (a KASAN report) says its first line at the place, the rest below.
    const [head, ...rest] = message.split("\n");
    if (json) {
      emit({
        event: inner instanceof KasanReport ? "kasan" : "error",
        kind: kind === "error" ? errorName(inner) : internal ? "internal" : kind,
        file: e.site.file,
        line: e.site.loc.line,
        column: e.site.loc.column,
        message,
        includes: e.includeChain.map((s) => `${s.file}:${s.loc.line}:${s.loc.column}`),
        calls: e.callChain.map((s) => `${s.file}:${s.loc.line}:${s.loc.column}`),
      });
      emit({ event: "end", status: "failed" });
    } else {
      const src = script.programs.get(e.site.file)?.source ?? "";
      const loc = e.site.loc;
      io.err(formatProblem(
        e.site.file,
        src,
        { line: loc.line, column: loc.column, length: loc.end - loc.start, message: head },
        style,
        kind,
      ));
      for (const line of rest) io.err(escapeControls(line));
      // Runaway recursion repeats one call site: print each run once.
      const calls = [...e.callChain].reverse().map((s) =>
        `${s.file}:${s.loc.line}:${s.loc.column}`
      );
      for (let i = 0; i < calls.length;) {
        let j = i + 1;
        while (j < calls.length && calls[j] === calls[i]) j++;
        io.err(`  called from ${escapeControls(calls[i])}${j - i > 1 ? ` (${j - i} times)` : ""}`);
        i = j;
      }
      for (const s of [...e.includeChain].reverse()) {
        io.err(`  included from ${escapeControls(`${s.file}:${s.loc.line}:${s.loc.column}`)}`);
      }
    }
  } finally {
    if (recorder !== undefined && o.report !== undefined) {
      recorder.finish();
      try {
        const data = reportData(recorder, world, script, path, outcome, { gzip: gzipSync });
        io.write(o.report, reportHtml(data));
        if (!json && !o.quiet) io.out(style.dim(`report: ${o.report}`));
      } catch (e) {
        io.err(
          `run: cannot write the report to ${escapeControls(o.report)}: ${(e as Error).message}`,
        );
        code = code || 1;
      }
    }
    if (trace !== undefined && o.trace !== undefined) {
      try {
        io.write(o.trace, trace.text());
      } catch (e) {
        io.err(
          `run: cannot write the trace to ${escapeControls(o.trace)}: ${(e as Error).message}`,
        );
        code = code || 1;
      }
    }
  }
  return code;
}

/**
 * The module `kernel byte_allocator = "PATH"` names, relative to the script
 * that says it; a problem is the statement's error.
 */
function loadScriptWasm(path: string, from: string): WasmAllocatorModule {
  const resolved = path.startsWith("/") || from === ""
    ? path
    : `${from.slice(0, from.lastIndexOf("/") + 1)}${path}`;
  const m = wasmModule(resolved);
  if ("problem" in m) throw new ScriptError(m.problem);
  return m.module;
}

if (import.meta.main) {
  Deno.exitCode = main(Deno.args);
}
