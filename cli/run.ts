/**
 * `deno task run <script.mms>`: runs a scenario script on the simulated
 * machine. The command line is checked in `run_options.ts`, what it says
 * goes through `run_output.ts`; this file loads, builds the machine, runs
 * and writes the trace and the report.
 *
 * @module
 */

import { ANSI, escapeControls, PLAIN } from "../dsl/diagnostics.ts";
import { physToVirt } from "../hal/platform.ts";
import type { ByteAllocatorKind } from "../mm/registry.ts";
import { formatLeak } from "../mm/kasan/leak_check.ts";
import { RunError, ScriptError } from "../runtime/errors.ts";
import type { WasmAllocatorModule } from "../mm/wasm/wasm_module.ts";
import { wasmModule } from "./wasm_file.ts";
import { Interpreter } from "../runtime/interpreter.ts";
import { confinedPath, load, type LoadedScript, scriptRoot } from "../runtime/loader.ts";
import { TraceRecorder } from "../trace/recorder.ts";
import { RunRecorder } from "../report/recorder.ts";
import { reportData, type ReportOutcome } from "../report/report_data.ts";
import { reportHtml } from "../report/page.ts";
import { World } from "../runtime/world.ts";
import { defaultIo, type RunIo } from "./run_io.ts";
import { parseRunOptions, type RunOptions } from "./run_options.ts";
import { type Failure, RunOutput } from "./run_output.ts";
import { runWatched } from "./watched.ts";

export type { RunIo } from "./run_io.ts";
export { USAGE } from "./run_options.ts";

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
  const style = io.color ? ANSI : PLAIN;
  const o = parseRunOptions(args, io);
  if (typeof o === "number") return o;
  const out = new RunOutput(io, style, o.json);
  let source: string;
  try {
    source = io.read(o.path);
  } catch (e) {
    out.problem(`cannot read ${escapeControls(o.path)}: ${escapeControls((e as Error).message)}`);
    return 2;
  }
  const script = load(o.path, { read: io.read, realPath: io.realPath }, source);
  out.script = script;
  if (script.problems.length > 0) {
    out.problems(script, o.path);
    return 2;
  }
  // The trace's file is tried before the run, so that a bad path costs no
  // run and loses no trace.
  if (o.trace !== undefined && !tryWrite(io, out, o.trace, "", "trace")) return 2;
  const trace = o.trace === undefined ? undefined : new TraceRecorder();
  const world = buildWorld(o, out, trace, io.realPath);
  const recorder = o.report === undefined ? undefined : new RunRecorder(world);
  recorder?.attach();
  let outcome: ReportOutcome = { ok: true, summary: "ok" };
  let code = 0;
  try {
    const ran = runScript(o, script, world, out);
    [code, outcome] = [ran.code, ran.outcome];
    const f = ran.failure;
    if (f !== undefined) recorder?.ended(f.kind, f.message, f.where);
  } finally {
    if (recorder !== undefined && o.report !== undefined) {
      recorder.finish();
      let html: string | undefined;
      try {
        html = reportHtml(reportData(recorder, world, script, o.path, outcome, { gzip: gzipSync }));
      } catch (e) {
        out.problem(`cannot make the report: ${escapeControls((e as Error).message)}`);
        code = code || 1;
      }
      if (html !== undefined) {
        if (tryWrite(io, out, o.report, html, "report")) {
          if (!o.json && !o.quiet) out.note(`report: ${o.report}`);
        } else code = code || 1;
      }
    }
    if (trace !== undefined && o.trace !== undefined) {
      if (!tryWrite(io, out, o.trace, trace.text(), "trace")) code = code || 1;
    }
  }
  return code;
}

/** Writes `text` to `path`; false, having said why, when it cannot. */
function tryWrite(io: RunIo, out: RunOutput, path: string, text: string, what: string): boolean {
  try {
    io.write(path, text);
    return true;
  } catch (e) {
    out.problem(
      `cannot write the ${what} to ${escapeControls(path)}: ${
        escapeControls((e as Error).message)
      }`,
    );
    return false;
  }
}

/** The simulated machine the options ask for, its log and warnings going to `out`. */
function buildWorld(
  o: RunOptions,
  out: RunOutput,
  trace: TraceRecorder | undefined,
  realPath: ((path: string) => string) | undefined,
): World {
  const wasm = o.wasm;
  const world = new World({
    platform: o.platform,
    byteAllocator: o.allocator as ByteAllocatorKind | undefined,
    wasmByteAllocator: wasm?.families.includes("ByteAllocator") ? wasm : undefined,
    wasmPageAllocator: wasm?.families.includes("PageAllocator") ? wasm : undefined,
    loadWasm: scriptWasmLoader(o.path, realPath),
    seed: o.seed,
    trace,
    sanitize: o.sanitize,
    log: (line) => out.log(line, o.quiet),
    warn: (w) => out.warning(w),
  });
  if (o.platform !== undefined) world.pinPlatform();
  if (o.allocator !== undefined || wasm !== undefined) world.pinByteAllocator();
  return world;
}

/**
 * Runs the script (and the leak check): the exit code, what the report
 * says of the end, and the error that stopped the run, if one did.
 */
function runScript(
  o: RunOptions,
  script: LoadedScript,
  world: World,
  out: RunOutput,
): { code: number; outcome: ReportOutcome; failure?: Failure } {
  const interpreter = new Interpreter(world, (e) => {
    if (out.json) out.emit(e as unknown as Record<string, unknown>);
    else if (e.event === "print") out.print(e.text);
  }, { timeLimit: o.timeout });
  let summary;
  try {
    summary = interpreter.run(script);
  } catch (e) {
    if (!(e instanceof RunError)) throw e;
    const failure = out.runError(e);
    return { code: failure.code, outcome: { ok: false, summary: failure.summary }, failure };
  }
  if (o.leakCheck && summary.skipped === undefined) {
    const leaks = world.leaks();
    if (leaks.length > 0) {
      out.leaks(
        leaks.map((leak) => formatLeak(leak, (pa) => physToVirt(world.platform, pa as never))),
        o.path,
      );
      return {
        code: 1,
        outcome: { ok: false, summary: `${leaks.length} unreferenced objects (leaks)` },
      };
    }
  }
  const skip = summary.skipped;
  const outcome = {
    ok: true,
    summary: skip !== undefined
      ? `skipped: ${skip.reason}`
      : `${summary.expectations} expectations held, ${summary.statements} statements`,
  };
  if (out.json) {
    out.emit({ event: "end", status: skip === undefined ? "ok" : "skipped", ...summary });
  } else if (skip !== undefined) {
    // Said even with --quiet: the script did not do what it is for.
    out.print(escapeControls(`skipped: ${skip.file}:${skip.line}: ${skip.reason}`));
  } else if (!o.quiet) {
    out.note(
      `ok: ${o.path}: ${summary.expectations} expectations held, ${summary.statements} statements`,
    );
  }
  return { code: 0, outcome };
}

/**
 * The loader of the modules `kernel byte_allocator = "PATH"` names: PATH is
 * relative to the script that says it and confined as `include` is (inside
 * the directory of the script that was run, not through a link leaving
 * it), a regular file of at most `MAX_WASM_BYTES`; a problem is the
 * statement's error.
 */
function scriptWasmLoader(
  mainPath: string,
  realPath: ((path: string) => string) | undefined,
): (path: string, from: string) => WasmAllocatorModule {
  const root = scriptRoot(mainPath);
  return (path, from) => {
    const confined = confinedPath(root, from === "" ? mainPath : from, path, realPath);
    if (confined.problem !== undefined) throw new ScriptError(`kernel: ${confined.problem}`);
    const m = wasmModule(confined.path);
    if ("problem" in m) throw new ScriptError(m.problem);
    return m.module;
  };
}

if (import.meta.main) {
  // With a time limit, the script runs in a worker watched from here: a call
  // into a WebAssembly allocator that never returns is stopped at the limit
  // too (the interpreter checks the limit only between its own steps).
  const o = parseRunOptions(Deno.args, { ...defaultIo(), out: () => {}, err: () => {} });
  if (typeof o === "object" && o.timeout !== undefined) {
    const end = await runWatched("run", Deno.args, o.timeout);
    if ("code" in end) Deno.exit(end.code);
    console.error(
      `run: ${o.path}: the script ran longer than its time limit of ${end.seconds} s: ` +
        `stopped in ${end.hung}, a call of the WebAssembly allocator that did not return`,
    );
    Deno.exit(1);
  }
  Deno.exitCode = main(Deno.args);
}
