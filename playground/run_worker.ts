/// <reference lib="webworker" />
/**
 * The playground's runs, off the page's thread: a Worker that runs one
 * script (its text and the scenarios it may include), posting each line of
 * output as it comes and, at the end, the run's report page. The page
 * stops a run by terminating the Worker. Bundled by `deno task site` and
 * embedded in the page as text (a `file://` page cannot load a worker
 * script from a file).
 *
 * @module
 */

import { type FileAccess, load } from "../runtime/loader.ts";
import { Interpreter } from "../runtime/interpreter.ts";
import { World } from "../runtime/world.ts";
import { RunError } from "../runtime/errors.ts";
import { RunRecorder } from "../report/recorder.ts";
import { reportData, type ReportOutcome } from "../report/report_data.ts";
import { reportHtml } from "../report/page.ts";

/** What the page asks: run `text` as `main`; `scripts` are the files it may include. */
export interface RunRequest {
  /** The script's name (`scripts/playground.mms`). */
  main: string;
  /** Its text. */
  text: string;
  /** The scenarios, by path. */
  scripts: Record<string, string>;
  /** The report's title. */
  title: string;
}

/** What the Worker posts: a line of output, or the end of the run. */
export type RunMessage =
  | { line: string; cls: string }
  | { done: true; report: string; error?: { line: number; column: number; message: string } };

function runScript(request: RunRequest, post: (m: RunMessage) => void): void {
  const files: FileAccess = {
    read: (path) => {
      if (path === request.main) return request.text;
      const text = request.scripts[path];
      if (text === undefined) throw new Error("no such file in the playground");
      return text;
    },
  };
  const script = load(request.main, files, request.text);
  const say = (line: string, cls = "") => post({ line, cls });
  const world = new World({ log: (line) => say(`[kernel] ${line}`, "log") });
  const recorder = new RunRecorder(world);
  recorder.attach();
  let outcome: ReportOutcome;
  let error: { line: number; column: number; message: string } | undefined;
  try {
    const summary = new Interpreter(world, (e) => {
      if (e.event === "print") say(e.text);
    }).run(script);
    outcome = {
      ok: true,
      summary: `${summary.expectations} expectations held, ${summary.statements} statements`,
    };
    say(`ok: ${outcome.summary}`, "ok");
  } catch (e) {
    if (!(e instanceof RunError)) throw e;
    const where = `${e.site.file}:${e.site.loc.line}:${e.site.loc.column}`;
    outcome = { ok: false, summary: `${where}: ${e.error.message.split("\n")[0]}` };
    say(`${where}: error: ${e.error.message}`, "error");
    recorder.ended("error", e.error.message, where);
    if (e.site.file === request.main) {
      error = {
        line: e.site.loc.line,
        column: e.site.loc.column,
        message: e.error.message.split("\n")[0],
      };
    }
  }
  recorder.finish();
  const report = reportHtml(reportData(recorder, world, script, request.title, outcome));
  post(error === undefined ? { done: true, report } : { done: true, report, error });
}

// In a Worker: each message is a run.
if (typeof document === "undefined" && typeof self !== "undefined" && "onmessage" in self) {
  self.onmessage = (e: MessageEvent<RunRequest>) => {
    try {
      runScript(e.data, (m) => self.postMessage(m));
    } catch (err) {
      self.postMessage({ line: `internal error: ${(err as Error).message}`, cls: "error" });
      self.postMessage({ done: true, report: "" });
    }
  };
}
