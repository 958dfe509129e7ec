/// <reference lib="dom" />
/**
 * The playground, in the browser: an editor for `.mms` (colours from the
 * language's own lexer; parse and check problems marked at their line and
 * column as you type), a Run button, the output, and the run's report (the
 * same page `deno task run --report` writes) below. The simulator runs in
 * the page: this module is bundled for the browser by `deno task site`.
 *
 * @module
 */

import { mmsLexer } from "../dsl/lexer.ts";
import { type FileAccess, load } from "../runtime/loader.ts";
import { Interpreter } from "../runtime/interpreter.ts";
import { World } from "../runtime/world.ts";
import { BUILTINS, CONSTANT_NAMES } from "../runtime/builtins.ts";
import { RunError } from "../runtime/errors.ts";
import { RunRecorder } from "../report/recorder.ts";
import { reportData, type ReportOutcome } from "../report/report_data.ts";
import { reportHtml } from "../report/page.ts";

/** The scenarios of scripts/, by path: embedded in the page by the site build. */
const SCRIPTS: Record<string, string> = JSON.parse(
  document.getElementById("mms-scripts")!.textContent ?? "{}",
);
const MAIN = "scripts/playground.mms";
const editor = document.getElementById("code") as HTMLTextAreaElement;
const highlight = document.getElementById("highlight") as HTMLElement;
const problemsBox = document.getElementById("problems") as HTMLElement;
const output = document.getElementById("output") as HTMLElement;
const report = document.getElementById("report") as HTMLIFrameElement;
const menu = document.getElementById("scenario") as HTMLSelectElement;
const runButton = document.getElementById("run") as HTMLButtonElement;

const files: FileAccess = {
  read: (path) => {
    if (path === MAIN) return editor.value;
    const text = SCRIPTS[path];
    if (text === undefined) throw new Error("no such file in the playground");
    return text;
  },
};

const escape = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** The class a token is coloured with. */
function classOf(name: string, image: string): string {
  if (name === "Comment") return "com";
  if (name === "Integer") return "num";
  if (name.startsWith("String") || name === "BrokenLine") return "str";
  if (name === "True" || name === "False" || name === "Null") return "lit";
  if (name === "Identifier") {
    if (Object.hasOwn(BUILTINS, image)) return "fn";
    if (CONSTANT_NAMES.includes(image)) return "const";
    return "id";
  }
  if (/^[A-Z][a-z]+$/.test(name) || name === "Error") return "kw";
  return "op";
}

/** Colours the text and marks the problems (their line and column). */
function render(): void {
  const text = editor.value;
  const loaded = load(MAIN, files, text);
  const mine = loaded.problems.filter((p) => p.file === MAIN);
  // Offsets of the problems, from their line and column.
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
  const bad = mine.map((p) => {
    const start = (lineStarts[p.line - 1] ?? text.length) + p.column - 1;
    return [start, start + Math.max(1, p.length)];
  });
  const lexed = mmsLexer.tokenize(text);
  const tokens = [...lexed.tokens, ...(lexed.groups.comments ?? [])]
    .filter((t) => t.tokenType.name !== "Newline")
    .sort((a, b) => a.startOffset - b.startOffset);
  let html = "";
  let at = 0;
  for (const t of tokens) {
    if (t.startOffset < at) continue;
    html += escape(text.slice(at, t.startOffset));
    const end = t.startOffset + t.image.length;
    const err = bad.some(([s, e]) => s < end && t.startOffset < e) ? " err" : "";
    html += `<span class="${classOf(t.tokenType.name, t.image)}${err}">${escape(t.image)}</span>`;
    at = end;
  }
  // Text the lexer could not read, and a problem past the last token, are marked too.
  const rest = text.slice(at);
  const restBad = bad.some(([s]) => s >= at);
  html += restBad && rest.trim() !== "" ? `<span class="err">${escape(rest)}</span>` : escape(rest);
  highlight.innerHTML = html + "\n";
  problemsBox.innerHTML = loaded.problems.map((p) =>
    `<div class="problem" data-line="${p.line}" data-column="${p.column}">` +
    `${escape(p.file === MAIN ? "" : p.file + ":")}${p.line}:${p.column}: ${
      escape(p.message)
    }</div>`
  ).join("");
  runButton.disabled = loaded.problems.length > 0;
}

function sync(): void {
  highlight.scrollTop = editor.scrollTop;
  highlight.scrollLeft = editor.scrollLeft;
}

function run(): void {
  const text = editor.value;
  const script = load(MAIN, files, text);
  if (script.problems.length > 0) return;
  output.textContent = "";
  const say = (line: string, cls = "") => {
    const div = document.createElement("div");
    div.textContent = line;
    if (cls !== "") div.className = cls;
    output.appendChild(div);
  };
  const world = new World({ log: (line) => say(`[kernel] ${line}`, "log") });
  const recorder = new RunRecorder(world);
  recorder.attach();
  let outcome: ReportOutcome;
  try {
    const summary = new Interpreter(world, (e) => {
      if (e.event === "print") say(e.text);
    }, { timeLimit: 20 }).run(script);
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
  }
  recorder.finish();
  // The report is titled with the scenario only while the text is the scenario's.
  const title = menu.value !== "" && SCRIPTS[menu.value] === text ? menu.value : MAIN;
  report.srcdoc = reportHtml(reportData(recorder, world, script, title, outcome));
}

for (const path of Object.keys(SCRIPTS).sort()) {
  const option = document.createElement("option");
  option.value = path;
  option.textContent = path.replace(/^scripts\//, "");
  menu.appendChild(option);
}
menu.addEventListener("change", () => {
  editor.value = SCRIPTS[menu.value] ?? "";
  render();
});
editor.addEventListener("input", render);
editor.addEventListener("scroll", sync);
editor.addEventListener("keydown", (e) => {
  if (e.key === "Tab") {
    e.preventDefault();
    editor.setRangeText("  ", editor.selectionStart, editor.selectionEnd, "end");
    render();
  } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run();
});
runButton.addEventListener("click", run);
menu.value = SCRIPTS["scripts/boot.mms"] !== undefined ? "scripts/boot.mms" : menu.value;
editor.value = SCRIPTS[menu.value] ?? "";
render();
document.body.dataset.ready = "1";
