/**
 * What `deno task run` says about a script: its problems, warnings, the
 * error that stopped it, leaks, and how it ended, on the terminal (with
 * the source line and a caret) or as JSON events, one a line.
 *
 * @module
 */

import { escapeControls, escapeLines, formatProblem, type Style } from "../dsl/diagnostics.ts";
import type { Loc } from "../dsl/ast.ts";
import { KernelPanic } from "../mm/kernel_panic.ts";
import { KasanReport } from "../mm/kasan/report.ts";
import {
  errorName,
  ExpectationFailed,
  InternalError,
  type RunError,
  SimError,
  withCode,
} from "../runtime/errors.ts";
import type { LoadedScript } from "../runtime/loader.ts";
import type { Warning } from "../runtime/world.ts";
import type { RunIo } from "./run_io.ts";

/** How many parse problems the terminal output shows before summing up the rest. */
export const MAX_SHOWN_PROBLEMS = 20;

/** How a failed run is drawn in the report. */
export type FailureKind = "sanitizer" | "expect" | "panic" | "error";

/** A run's failure, as the summary line and the report say it. */
export interface Failure {
  /** What stopped the run (for the report). */
  kind: FailureKind;
  /** The message, every line. */
  message: string;
  /** `file:line:col`. */
  where: string;
  /** `kind at where: first line`. */
  summary: string;
  /** The exit code: 3 for a bug of mmsim, else 1. */
  code: number;
}

/**
 * The run's output channel: the terminal or JSON events.
 *
 * @example
 * ```ts ignore
 * const out = new RunOutput(io, style, false, script);
 * out.warning({ message: "misaligned", file: "t.mms", loc: undefined });
 * ```
 */
export class RunOutput {
  readonly #io: RunIo;
  readonly #style: Style;
  /** Whether events go out as JSON, one a line. */
  readonly json: boolean;
  #script: LoadedScript | undefined;

  /** Output to `io` in `style` (JSON events when `json`). */
  constructor(io: RunIo, style: Style, json: boolean) {
    this.#io = io;
    this.#style = style;
    this.json = json;
  }

  /** The script whose source lines the messages show. */
  set script(script: LoadedScript) {
    this.#script = script;
  }

  /** One JSON event. */
  emit(obj: Record<string, unknown>): void {
    this.#io.out(JSON.stringify(obj));
  }

  /** A line of the script's own output (`print`): escaped on a terminal, exact elsewhere. */
  print(text: string): void {
    this.#io.out(this.#io.terminal === true ? escapeLines(text) : text);
  }

  /** A kernel log line (dimmed; none with `--quiet`). */
  log(line: string, quiet: boolean): void {
    if (this.json) this.emit({ event: "log", text: line });
    else if (!quiet) this.#io.out(this.#style.dim(`[kernel] ${escapeControls(line)}`));
  }

  /** A dimmed line of the command's own (the summary, where the report went). */
  note(line: string): void {
    this.#io.out(this.#style.dim(escapeControls(line)));
  }

  #source(file: string): string {
    return this.#script?.programs.get(file)?.source ?? "";
  }

  #at(file: string, loc: Loc, message: string, label: string): string {
    return formatProblem(
      file,
      this.#source(file),
      { line: loc.line, column: loc.column, length: loc.end - loc.start, message },
      this.#style,
      label,
    );
  }

  /** A warning about a call (see `World.warn`). */
  warning(w: Warning): void {
    const loc = w.loc ?? { line: 1, column: 1, start: 0, end: 0 };
    if (this.json) {
      this.emit({
        event: "warning",
        file: w.file,
        line: loc.line,
        column: loc.column,
        message: w.message,
      });
    } else this.#io.err(this.#at(w.file, loc, w.message, "warning"));
  }

  /**
   * The problems of a script that does not parse or check: the first
   * {@linkcode MAX_SHOWN_PROBLEMS} on a terminal, all of them as JSON.
   */
  problems(script: LoadedScript, path: string): void {
    let shown = 0;
    for (const p of script.problems) {
      // A file that is not a script at all would scroll pages of carets.
      if (!this.json && shown++ === MAX_SHOWN_PROBLEMS) {
        this.#io.err(`... and ${script.problems.length - MAX_SHOWN_PROBLEMS} more\n`);
        break;
      }
      if (this.json) {
        this.emit({
          event: "error",
          kind: "parse",
          file: p.file,
          line: p.line,
          column: p.column,
          message: p.message,
        });
      } else this.#io.err(formatProblem(p.file, this.#source(p.file), p, this.#style) + "\n");
    }
    const n = script.problems.length;
    if (this.json) this.emit({ event: "end", status: "parse-error", errors: n });
    else this.#io.err(`${n} error${n === 1 ? "" : "s"}: ${escapeControls(path)} was not run`);
  }

  /**
   * The error that stopped the run, at its statement, with the calls and
   * includes that led there; what the summary and the report say of it.
   */
  runError(e: RunError): Failure {
    const inner = e.error;
    const internal = inner instanceof InternalError;
    const label = inner instanceof ExpectationFailed
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
    const failure: Failure = {
      kind: inner instanceof KasanReport
        ? "sanitizer"
        : inner instanceof ExpectationFailed
        ? "expect"
        : inner instanceof KernelPanic
        ? "panic"
        : "error",
      message,
      where,
      summary: `${label} at ${where}: ${message.split("\n")[0]}`,
      code: internal ? 3 : 1,
    };
    const siteOf = (s: { file: string; loc: Loc }) => `${s.file}:${s.loc.line}:${s.loc.column}`;
    if (this.json) {
      this.emit({
        event: inner instanceof KasanReport ? "kasan" : "error",
        kind: label === "error" ? errorName(inner) : internal ? "internal" : label,
        file: e.site.file,
        line: e.site.loc.line,
        column: e.site.loc.column,
        message,
        includes: e.includeChain.map(siteOf),
        calls: e.callChain.map(siteOf),
      });
      this.emit({ event: "end", status: "failed" });
      return failure;
    }
    // A long report (a KASAN report) says its first line at the place, the rest below.
    const [head, ...rest] = message.split("\n");
    this.#io.err(this.#at(e.site.file, e.site.loc, head, label));
    for (const line of rest) this.#io.err(escapeControls(line));
    // Runaway recursion repeats one call site: each run of it is said once.
    const calls = [...e.callChain].reverse().map(siteOf);
    for (let i = 0; i < calls.length;) {
      let j = i + 1;
      while (j < calls.length && calls[j] === calls[i]) j++;
      this.#io.err(
        `  called from ${escapeControls(calls[i])}${j - i > 1 ? ` (${j - i} times)` : ""}`,
      );
      i = j;
    }
    for (const s of [...e.includeChain].reverse()) {
      this.#io.err(`  included from ${escapeControls(siteOf(s))}`);
    }
    return failure;
  }

  /** Leaks the leak check found, each as kmemleak says it, and the verdict. */
  leaks(reports: string[][], path: string): void {
    for (const lines of reports) {
      if (this.json) this.emit({ event: "leak", lines });
      else for (const line of lines) this.#io.err(escapeControls(line));
    }
    const n = reports.length;
    if (this.json) this.emit({ event: "end", status: "leaks", leaks: n });
    else {
      this.#io.err(
        `${n} unreferenced object${n === 1 ? "" : "s"}: ${escapeControls(path)} leaks`,
      );
    }
  }

  /** A problem of the command itself (`run: ...`), on standard error. */
  problem(message: string): void {
    this.#io.err(`run: ${message}`);
  }
}
